// The front door of sluice's Jinja engine: include this to parse and render templates.
// See docs/jinja.md for the language subset and its differences from Jinja2 and dbt.
#pragma once

#include "transform/jinja_environment.h"  // IWYU pragma: export
#include "transform/jinja_template.h"     // IWYU pragma: export
#include "transform/jinja_value.h"        // IWYU pragma: export
