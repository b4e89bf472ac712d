/* GraphQL types and root fields of cron schedules: updateCronExperimentState, Experiment.schedule. */
#include "lib/graphql/graphql.h"
#include "services/backend/backend.h"

/* the tables below list leading members positionally and leave the rest zero */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct gql_field_def schedule_f[] = {
        { "cronSyntax", "String!", NULL, backend_res_json, "five-field cron expression (UTC)" },
        { "disabled", "Boolean!", NULL, backend_res_json, "paused by updateCronExperimentState" },
        { "nextSlotMs", "Float", NULL, backend_res_json, "the next slot, epoch milliseconds" },
        { "lastSlotMs", "Float", NULL, backend_res_json, "the last slot handled (run or Skipped)" },
        { NULL },
};

static const struct gql_enum_value_def e_schedule_type[] = {
        { "cron" }, { "non_cron" }, { "all" }, { NULL }
};

static const struct gql_type_def types[] = {
        { GQL_KIND_OBJECT, "CronSchedule", "an experiment's cron schedule", schedule_f },
        { GQL_KIND_ENUM, "ScheduleType", "listExperiment's filter.scheduleType", NULL, NULL, NULL,
          e_schedule_type },
        { 0, NULL },
};

static const struct gql_arg_def m_state[] = {
        { "experimentID", "String!" },
        { "disable", "Boolean!" },
        { "projectID", "ID!" },
        { NULL },
};

static const struct gql_field_def mutation[] = {
        { "updateCronExperimentState", "Boolean!", m_state, res_update_cron_state },
        { NULL },
};

const struct backend_schema_part backend_part_schedule = { .types = types, .mutation = mutation };
