#include "nexmark_queries.h"

namespace sluice::bench {

namespace {

// Notes on the translation, query by query:
//  * q0 passes bids through; q1 converts prices to euros (0.908 * price, a DECIMAL(18,3)
//    in sluice, cast to the same type in DuckDB).
//  * q2 uses Flink's MOD(auction, 123) = 0 (the Beam original listed five auction ids).
//  * q14 is RisingWave's text (EXTRACT(HOUR ...)) with Flink's count_char UDF as a builtin;
//    DuckDB counts with length - length(replace).
//  * q21 is Flink's text verbatim. Flink's REGEXP_EXTRACT gives NULL without a match,
//    DuckDB's gives '' (hence NULLIF in the DuckDB text).
//  * q22 is Flink's SPLIT_INDEX (0-based); DuckDB's split_part is 1-based.
//  * q5_hop is the counting half of Nexmark q5 (bids per auction per HOP window), without
//    the "hottest auction" join; sluice emits each window's final rows when it closes.
const std::vector<NexmarkQuery> kQueries = {
    {"q0",
     R"(SELECT auction, bidder, price, date_time, extra FROM bid)",
     R"(SELECT auction, bidder, price, date_time, extra FROM bid)"},
    {"q1",
     R"(SELECT auction, bidder, 0.908 * price AS price, date_time, extra FROM bid)",
     R"(SELECT auction, bidder, CAST(0.908 * price AS DECIMAL(18,3)) AS price, date_time, extra FROM bid)"},
    {"q2",
     R"(SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0)",
     R"(SELECT auction, price FROM bid WHERE auction % 123 = 0)"},
    {"q14",
     R"(SELECT
    auction,
    bidder,
    0.908 * price AS price,
    CASE
        WHEN EXTRACT(HOUR FROM date_time) >= 8 AND EXTRACT(HOUR FROM date_time) <= 18 THEN 'dayTime'
        WHEN EXTRACT(HOUR FROM date_time) <= 6 OR EXTRACT(HOUR FROM date_time) >= 20 THEN 'nightTime'
        ELSE 'otherTime'
    END AS bidTimeType,
    date_time,
    extra,
    count_char(extra, 'c') AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000)",
     R"(SELECT
    auction,
    bidder,
    CAST(0.908 * price AS DECIMAL(18,3)) AS price,
    CASE
        WHEN EXTRACT(HOUR FROM date_time) >= 8 AND EXTRACT(HOUR FROM date_time) <= 18 THEN 'dayTime'
        WHEN EXTRACT(HOUR FROM date_time) <= 6 OR EXTRACT(HOUR FROM date_time) >= 20 THEN 'nightTime'
        ELSE 'otherTime'
    END AS bidTimeType,
    date_time,
    extra,
    CAST(length(extra) - length(replace(extra, 'c', '')) AS BIGINT) AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000)"},
    {"q21",
     R"(SELECT
    auction, bidder, price, channel,
    CASE
        WHEN lower(channel) = 'apple' THEN '0'
        WHEN lower(channel) = 'google' THEN '1'
        WHEN lower(channel) = 'facebook' THEN '2'
        WHEN lower(channel) = 'baidu' THEN '3'
        ELSE REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2)
        END
    AS channel_id FROM bid
    where REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2) is not null or
          lower(channel) in ('apple', 'google', 'facebook', 'baidu'))",
     R"(SELECT
    auction, bidder, price, channel,
    CASE
        WHEN lower(channel) = 'apple' THEN '0'
        WHEN lower(channel) = 'google' THEN '1'
        WHEN lower(channel) = 'facebook' THEN '2'
        WHEN lower(channel) = 'baidu' THEN '3'
        ELSE NULLIF(regexp_extract(url, '(&|^)channel_id=([^&]*)', 2), '')
        END
    AS channel_id FROM bid
    WHERE NULLIF(regexp_extract(url, '(&|^)channel_id=([^&]*)', 2), '') IS NOT NULL OR
          lower(channel) IN ('apple', 'google', 'facebook', 'baidu'))"},
    {"q22",
     R"(SELECT
    auction, bidder, price, channel,
    SPLIT_INDEX(url, '/', 3) AS dir1,
    SPLIT_INDEX(url, '/', 4) AS dir2,
    SPLIT_INDEX(url, '/', 5) AS dir3 FROM bid)",
     R"(SELECT
    auction, bidder, price, channel,
    NULLIF(split_part(url, '/', 4), '') AS dir1,
    NULLIF(split_part(url, '/', 5), '') AS dir2,
    NULLIF(split_part(url, '/', 6), '') AS dir3 FROM bid)"},
    // q5-like, stateful: bids per auction per 10-second window sliding by 2 seconds, the
    // windows' final rows only. DuckDB assigns the same windows with generate_series.
    {"q5_hop",
     R"(SELECT auction, window_start, window_end, count(*) AS num
FROM HOP(bid, date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND)
GROUP BY auction, window_start, window_end
EMIT ON WINDOW CLOSE)",
     R"(SELECT auction, window_start, window_start + INTERVAL 10 SECOND AS window_end, count(*) AS num
FROM (SELECT auction, unnest(generate_series(
          make_timestamp((epoch_us(date_time) // 2000000) * 2000000) - INTERVAL 8 SECOND,
          make_timestamp((epoch_us(date_time) // 2000000) * 2000000),
          INTERVAL 2 SECOND)) AS window_start
      FROM bid)
GROUP BY auction, window_start)"},
};

}  // namespace

const std::vector<NexmarkQuery>& NexmarkQueries() { return kQueries; }

const NexmarkQuery* FindNexmarkQuery(std::string_view name) {
  for (const NexmarkQuery& q : kQueries) {
    if (q.name == name) return &q;
  }
  return nullptr;
}

}  // namespace sluice::bench
