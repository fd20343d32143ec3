select customer_id, name, country, segment, signup_time
from {{ ref('customers') }}
