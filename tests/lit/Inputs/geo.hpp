// geo.hpp — the extern functions of tests/lit/run/extern_records.flow. Their
// parameters and results are the pipeline's records, so this header
// includes the generated geo.flow.h (flowc build and flowc emit both write
// it), which defines the records and declares the externs.
#pragma once

#include "geo.flow.h"
