// flow/flow.h — everything generated code needs: include this one header.
#pragma once

#include "flow/builtins.h"
#include "flow/channel.h"
#include "flow/context.h"
#include "flow/errors.h"
#include "flow/format.h"
#include "flow/lists.h"
#include "flow/pipeline.h"
#include "flow/program.h"
#include "flow/random.h"
#include "flow/report.h"
#include "flow/stage.h"
#include "flow/task.h"
#include "flow/time.h"
