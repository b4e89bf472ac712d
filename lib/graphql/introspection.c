/* Introspection types and their resolvers (spec 4.2). Descriptions are graphql-js's, so that
 * introspection results compare equal. Parents: __Schema gets the schema, __Type a struct
 * gql_typeref, __Field a struct gql_field, __InputValue a struct gql_input_value, __EnumValue a
 * struct gql_enum_value, __Directive a struct gql_directive. */
#include <string.h>

#include "lib/graphql/introspection.h"
#include "lib/graphql/schema.h"

#define PARENT(T) ((const T *)ri->parent)

static struct gql_value *opt_string(struct gql_arena *a, const char *s)
{
        return s ? gql_value_string(a, s, strlen(s)) : NULL;
}

static struct gql_value *type_value(struct gql_arena *a, const struct gql_typeref *t)
{
        return t ? gql_value_opaque(a, t, "__Type") : NULL;
}

static bool include_deprecated(const struct gql_resolve_info *ri)
{
        const struct gql_value *v = gql_arg(ri, "includeDeprecated");

        return v && v->kind == GQL_BOOLEAN && v->b;
}

/* ---- __Schema --------------------------------------------------------------------------------------- */
static int r_Schema_description(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = NULL;
        return 0;
}

static int r_Schema_types(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_schema *s = ri->schema;
        struct gql_value *l = gql_value_list(ri->arena, s->n_types);

        for (size_t i = 0; i < s->n_types; i++)
                l->list.items[i] = type_value(ri->arena, &s->types[i]->ref);
        *ret = l;
        return 0;
}

static int r_Schema_queryType(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = type_value(ri->arena, &ri->schema->query->ref);
        return 0;
}

static int r_Schema_mutationType(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = ri->schema->mutation ? type_value(ri->arena, &ri->schema->mutation->ref) : NULL;
        return 0;
}

static int r_Schema_subscriptionType(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = ri->schema->subscription ? type_value(ri->arena, &ri->schema->subscription->ref) : NULL;
        return 0;
}

static int r_Schema_directives(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_schema *s = ri->schema;
        struct gql_value *l = gql_value_list(ri->arena, s->n_directives);

        for (size_t i = 0; i < s->n_directives; i++)
                l->list.items[i] = gql_value_opaque(ri->arena, &s->directives[i], "__Directive");
        *ret = l;
        return 0;
}

/* ---- __Type ----------------------------------------------------------------------------------------- */
static const struct gql_type *named_only(const struct gql_resolve_info *ri)
{
        const struct gql_typeref *t = PARENT(struct gql_typeref);

        return t->kind == GQL_KIND_LIST || t->kind == GQL_KIND_NON_NULL ? NULL : t->named;
}

static int r_Type_kind(struct gql_resolve_info *ri, struct gql_value **ret)
{
        static const char *const kinds[] = { "SCALAR", "OBJECT",       "INTERFACE", "UNION",
                                             "ENUM",   "INPUT_OBJECT", "LIST",      "NON_NULL" };

        *ret = gql_value_enum(ri->arena, kinds[PARENT(struct gql_typeref)->kind]);
        return 0;
}

static int r_Type_name(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_type *t = named_only(ri);

        *ret = t ? opt_string(ri->arena, t->name) : NULL;
        return 0;
}

static int r_Type_description(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_type *t = named_only(ri);

        *ret = t ? opt_string(ri->arena, t->description) : NULL;
        return 0;
}

static int r_Type_specifiedByURL(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = NULL;
        return 0;
}

static int r_Type_fields(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_type *t = named_only(ri);
        bool all = include_deprecated(ri);
        struct gql_value *l;
        size_t n = 0;

        *ret = NULL;
        if (!t || (t->kind != GQL_KIND_OBJECT && t->kind != GQL_KIND_INTERFACE))
                return 0;
        l = gql_value_list(ri->arena, t->n_fields);
        for (size_t i = 0; i < t->n_fields; i++)
                if (all || !t->fields[i].deprecation_reason)
                        l->list.items[n++] = gql_value_opaque(ri->arena, &t->fields[i], "__Field");
        l->list.n = n;
        *ret = l;
        return 0;
}

static int type_list(struct gql_resolve_info *ri, struct gql_type *const *types, size_t n,
                     struct gql_value **ret)
{
        struct gql_value *l = gql_value_list(ri->arena, n);

        for (size_t i = 0; i < n; i++)
                l->list.items[i] = type_value(ri->arena, &types[i]->ref);
        *ret = l;
        return 0;
}

static int r_Type_interfaces(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_type *t = named_only(ri);

        *ret = NULL;
        if (!t || (t->kind != GQL_KIND_OBJECT && t->kind != GQL_KIND_INTERFACE))
                return 0;
        return type_list(ri, t->interfaces, t->n_interfaces, ret);
}

static int r_Type_possibleTypes(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_type *t = named_only(ri);

        *ret = NULL;
        if (!t || !gql_type_is_abstract(t))
                return 0;
        return type_list(ri, t->possible, t->n_possible, ret);
}

static int r_Type_enumValues(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_type *t = named_only(ri);
        bool all = include_deprecated(ri);
        struct gql_value *l;
        size_t n = 0;

        *ret = NULL;
        if (!t || t->kind != GQL_KIND_ENUM)
                return 0;
        l = gql_value_list(ri->arena, t->n_values);
        for (size_t i = 0; i < t->n_values; i++)
                if (all || !t->values[i].deprecation_reason)
                        l->list.items[n++] = gql_value_opaque(ri->arena, &t->values[i], "__EnumValue");
        l->list.n = n;
        *ret = l;
        return 0;
}

static struct gql_value *input_list(struct gql_arena *a, const struct gql_input_value *v, size_t n)
{
        struct gql_value *l = gql_value_list(a, n);

        for (size_t i = 0; i < n; i++)
                l->list.items[i] = gql_value_opaque(a, &v[i], "__InputValue");
        return l;
}

static int r_Type_inputFields(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_type *t = named_only(ri);

        *ret = t && t->kind == GQL_KIND_INPUT_OBJECT
                   ? input_list(ri->arena, t->input_fields, t->n_input_fields)
                   : NULL;
        return 0;
}

static int r_Type_ofType(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = type_value(ri->arena, PARENT(struct gql_typeref)->of);
        return 0;
}

static int r_Type_isOneOf(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_type *t = named_only(ri);

        *ret = t && t->kind == GQL_KIND_INPUT_OBJECT ? gql_value_bool(ri->arena, false) : NULL;
        return 0;
}

/* ---- __Field, __InputValue, __EnumValue, __Directive ------------------------------------------------- */
static int r_Field_name(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = opt_string(ri->arena, PARENT(struct gql_field)->name);
        return 0;
}

static int r_Field_description(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = opt_string(ri->arena, PARENT(struct gql_field)->description);
        return 0;
}

static int r_Field_args(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = input_list(ri->arena, PARENT(struct gql_field)->args, PARENT(struct gql_field)->n_args);
        return 0;
}

static int r_Field_type(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = type_value(ri->arena, PARENT(struct gql_field)->type);
        return 0;
}

static int r_Field_isDeprecated(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = gql_value_bool(ri->arena, PARENT(struct gql_field)->deprecation_reason != NULL);
        return 0;
}

static int r_Field_deprecationReason(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = opt_string(ri->arena, PARENT(struct gql_field)->deprecation_reason);
        return 0;
}

static int r_InputValue_name(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = opt_string(ri->arena, PARENT(struct gql_input_value)->name);
        return 0;
}

static int r_InputValue_description(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = opt_string(ri->arena, PARENT(struct gql_input_value)->description);
        return 0;
}

static int r_InputValue_type(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = type_value(ri->arena, PARENT(struct gql_input_value)->type);
        return 0;
}

static int r_InputValue_defaultValue(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = opt_string(ri->arena, PARENT(struct gql_input_value)->default_text);
        return 0;
}

static int r_InputValue_isDeprecated(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = gql_value_bool(ri->arena, false);
        return 0;
}

static int r_InputValue_deprecationReason(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = NULL;
        return 0;
}

static int r_EnumValue_name(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = opt_string(ri->arena, PARENT(struct gql_enum_value)->name);
        return 0;
}

static int r_EnumValue_description(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = opt_string(ri->arena, PARENT(struct gql_enum_value)->description);
        return 0;
}

static int r_EnumValue_isDeprecated(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = gql_value_bool(ri->arena, PARENT(struct gql_enum_value)->deprecation_reason != NULL);
        return 0;
}

static int r_EnumValue_deprecationReason(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = opt_string(ri->arena, PARENT(struct gql_enum_value)->deprecation_reason);
        return 0;
}

static int r_Directive_name(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = opt_string(ri->arena, PARENT(struct gql_directive)->name);
        return 0;
}

static int r_Directive_description(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = opt_string(ri->arena, PARENT(struct gql_directive)->description);
        return 0;
}

static int r_Directive_isRepeatable(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = gql_value_bool(ri->arena, false);
        return 0;
}

static int r_Directive_locations(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_directive *d = PARENT(struct gql_directive);
        struct gql_value *l = gql_value_list(ri->arena, d->n_locs);

        for (size_t i = 0; i < d->n_locs; i++)
                l->list.items[i] = gql_value_enum(ri->arena, gql_directive_loc_names[d->loc_order[i]]);
        *ret = l;
        return 0;
}

static int r_Directive_args(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret =
            input_list(ri->arena, PARENT(struct gql_directive)->args, PARENT(struct gql_directive)->n_args);
        return 0;
}

/* ---- meta fields ---------------------------------------------------------------------------------------- */
static int r_meta_schema(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = gql_value_opaque(ri->arena, ri->schema, "__Schema");
        return 0;
}

static int r_meta_type(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_value *name = gql_arg(ri, "name");
        const struct gql_type *t =
            name && name->kind == GQL_STRING ? gql_schema_type(ri->schema, name->str.s) : NULL;

        *ret = t ? type_value(ri->arena, &t->ref) : NULL;
        return 0;
}

static int r_meta_typename(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = NULL; /* answered by the executor, which knows the runtime type */
        return 0;
}

static const struct gql_arg_def meta_type_args[] = { { "name", "String!", NULL, NULL }, { NULL } };

const struct gql_field_def gql_meta_field_defs[] = {
        { "__schema", "__Schema!", NULL, r_meta_schema, "Access the current type schema of this server.",
          NULL },
        { "__type", "__Type", meta_type_args, r_meta_type, "Request the type information of a single type.",
          NULL },
        { "__typename", "String!", NULL, r_meta_typename, "The name of the current Object type at runtime.",
          NULL },
        { NULL },
};

/* ---- tables ------------------------------------------------------------------------------------------- */
static const struct gql_field_def Schema_fields[] = {
        { "description", "String", NULL, r_Schema_description, NULL, NULL },
        { "types", "[__Type!]!", NULL, r_Schema_types, "A list of all types supported by this server.",
          NULL },
        { "queryType", "__Type!", NULL, r_Schema_queryType,
          "The type that query operations will be rooted at.", NULL },
        { "mutationType", "__Type", NULL, r_Schema_mutationType,
          "If this server supports mutation, the type that mutation operations will be rooted at.", NULL },
        { "subscriptionType", "__Type", NULL, r_Schema_subscriptionType,
          "If this server support subscription, the type that subscription operations will be rooted at.",
          NULL },
        { "directives", "[__Directive!]!", NULL, r_Schema_directives,
          "A list of all directives supported by this server.", NULL },
        { NULL },
};
static const struct gql_arg_def Type_fields_args[] = {
        { "includeDeprecated", "Boolean", "false", NULL },
        { NULL },
};
static const struct gql_arg_def Type_enumValues_args[] = {
        { "includeDeprecated", "Boolean", "false", NULL },
        { NULL },
};
static const struct gql_arg_def Type_inputFields_args[] = {
        { "includeDeprecated", "Boolean", "false", NULL },
        { NULL },
};
static const struct gql_field_def Type_fields[] = {
        { "kind", "__TypeKind!", NULL, r_Type_kind, NULL, NULL },
        { "name", "String", NULL, r_Type_name, NULL, NULL },
        { "description", "String", NULL, r_Type_description, NULL, NULL },
        { "specifiedByURL", "String", NULL, r_Type_specifiedByURL, NULL, NULL },
        { "fields", "[__Field!]", Type_fields_args, r_Type_fields, NULL, NULL },
        { "interfaces", "[__Type!]", NULL, r_Type_interfaces, NULL, NULL },
        { "possibleTypes", "[__Type!]", NULL, r_Type_possibleTypes, NULL, NULL },
        { "enumValues", "[__EnumValue!]", Type_enumValues_args, r_Type_enumValues, NULL, NULL },
        { "inputFields", "[__InputValue!]", Type_inputFields_args, r_Type_inputFields, NULL, NULL },
        { "ofType", "__Type", NULL, r_Type_ofType, NULL, NULL },
        { "isOneOf", "Boolean", NULL, r_Type_isOneOf, NULL, NULL },
        { NULL },
};
static const struct gql_enum_value_def TypeKind_values[] = {
        { "SCALAR", "Indicates this type is a scalar.", NULL },
        { "OBJECT", "Indicates this type is an object. `fields` and `interfaces` are valid fields.", NULL },
        { "INTERFACE",
          "Indicates this type is an interface. `fields`, `interfaces`, and `possibleTypes` are valid "
          "fields.",
          NULL },
        { "UNION", "Indicates this type is a union. `possibleTypes` is a valid field.", NULL },
        { "ENUM", "Indicates this type is an enum. `enumValues` is a valid field.", NULL },
        { "INPUT_OBJECT", "Indicates this type is an input object. `inputFields` is a valid field.", NULL },
        { "LIST", "Indicates this type is a list. `ofType` is a valid field.", NULL },
        { "NON_NULL", "Indicates this type is a non-null. `ofType` is a valid field.", NULL },
        { NULL },
};
static const struct gql_arg_def Field_args_args[] = {
        { "includeDeprecated", "Boolean", "false", NULL },
        { NULL },
};
static const struct gql_field_def Field_fields[] = {
        { "name", "String!", NULL, r_Field_name, NULL, NULL },
        { "description", "String", NULL, r_Field_description, NULL, NULL },
        { "args", "[__InputValue!]!", Field_args_args, r_Field_args, NULL, NULL },
        { "type", "__Type!", NULL, r_Field_type, NULL, NULL },
        { "isDeprecated", "Boolean!", NULL, r_Field_isDeprecated, NULL, NULL },
        { "deprecationReason", "String", NULL, r_Field_deprecationReason, NULL, NULL },
        { NULL },
};
static const struct gql_field_def InputValue_fields[] = {
        { "name", "String!", NULL, r_InputValue_name, NULL, NULL },
        { "description", "String", NULL, r_InputValue_description, NULL, NULL },
        { "type", "__Type!", NULL, r_InputValue_type, NULL, NULL },
        { "defaultValue", "String", NULL, r_InputValue_defaultValue,
          "A GraphQL-formatted string representing the default value for this input value.", NULL },
        { "isDeprecated", "Boolean!", NULL, r_InputValue_isDeprecated, NULL, NULL },
        { "deprecationReason", "String", NULL, r_InputValue_deprecationReason, NULL, NULL },
        { NULL },
};
static const struct gql_field_def EnumValue_fields[] = {
        { "name", "String!", NULL, r_EnumValue_name, NULL, NULL },
        { "description", "String", NULL, r_EnumValue_description, NULL, NULL },
        { "isDeprecated", "Boolean!", NULL, r_EnumValue_isDeprecated, NULL, NULL },
        { "deprecationReason", "String", NULL, r_EnumValue_deprecationReason, NULL, NULL },
        { NULL },
};
static const struct gql_arg_def Directive_args_args[] = {
        { "includeDeprecated", "Boolean", "false", NULL },
        { NULL },
};
static const struct gql_field_def Directive_fields[] = {
        { "name", "String!", NULL, r_Directive_name, NULL, NULL },
        { "description", "String", NULL, r_Directive_description, NULL, NULL },
        { "isRepeatable", "Boolean!", NULL, r_Directive_isRepeatable, NULL, NULL },
        { "locations", "[__DirectiveLocation!]!", NULL, r_Directive_locations, NULL, NULL },
        { "args", "[__InputValue!]!", Directive_args_args, r_Directive_args, NULL, NULL },
        { NULL },
};
static const struct gql_enum_value_def DirectiveLocation_values[] = {
        { "QUERY", "Location adjacent to a query operation.", NULL },
        { "MUTATION", "Location adjacent to a mutation operation.", NULL },
        { "SUBSCRIPTION", "Location adjacent to a subscription operation.", NULL },
        { "FIELD", "Location adjacent to a field.", NULL },
        { "FRAGMENT_DEFINITION", "Location adjacent to a fragment definition.", NULL },
        { "FRAGMENT_SPREAD", "Location adjacent to a fragment spread.", NULL },
        { "INLINE_FRAGMENT", "Location adjacent to an inline fragment.", NULL },
        { "VARIABLE_DEFINITION", "Location adjacent to a variable definition.", NULL },
        { "SCHEMA", "Location adjacent to a schema definition.", NULL },
        { "SCALAR", "Location adjacent to a scalar definition.", NULL },
        { "OBJECT", "Location adjacent to an object type definition.", NULL },
        { "FIELD_DEFINITION", "Location adjacent to a field definition.", NULL },
        { "ARGUMENT_DEFINITION", "Location adjacent to an argument definition.", NULL },
        { "INTERFACE", "Location adjacent to an interface definition.", NULL },
        { "UNION", "Location adjacent to a union definition.", NULL },
        { "ENUM", "Location adjacent to an enum definition.", NULL },
        { "ENUM_VALUE", "Location adjacent to an enum value definition.", NULL },
        { "INPUT_OBJECT", "Location adjacent to an input object type definition.", NULL },
        { "INPUT_FIELD_DEFINITION", "Location adjacent to an input object field definition.", NULL },
        { NULL },
};
const struct gql_type_def gql_introspection_type_defs[] = {
        { .kind = GQL_KIND_OBJECT,
          .name = "__Schema",
          .description = "A GraphQL Schema defines the capabilities of a GraphQL server. It exposes all "
                         "available types and directives on the server, as well as the entry points for "
                         "query, mutation, and subscription operations.",
          .fields = Schema_fields },
        { .kind = GQL_KIND_OBJECT,
          .name = "__Type",
          .description = "The fundamental unit of any GraphQL Schema is the type. There are many kinds of "
                         "types in GraphQL as represented by the `__TypeKind` enum.\n\nDepending on the kind "
                         "of a type, certain fields describe information about that type. Scalar types "
                         "provide no information beyond a name, description and optional `specifiedByURL`, "
                         "while Enum types provide their values. Object and Interface types provide the "
                         "fields they describe. Abstract types, Union and Interface, provide the Object "
                         "types possible at runtime. List and NonNull types compose other types.",
          .fields = Type_fields },
        { .kind = GQL_KIND_ENUM,
          .name = "__TypeKind",
          .description = "An enum describing what kind of type a given `__Type` is.",
          .values = TypeKind_values },
        { .kind = GQL_KIND_OBJECT,
          .name = "__Field",
          .description = "Object and Interface types are described by a list of Fields, each of which has a "
                         "name, potentially a list of arguments, and a return type.",
          .fields = Field_fields },
        { .kind = GQL_KIND_OBJECT,
          .name = "__InputValue",
          .description =
              "Arguments provided to Fields or Directives and the input fields of an InputObject are "
              "represented as Input Values which describe their type and optionally a default value.",
          .fields = InputValue_fields },
        { .kind = GQL_KIND_OBJECT,
          .name = "__EnumValue",
          .description =
              "One possible value for a given Enum. Enum values are unique values, not a placeholder for a "
              "string or numeric value. However an Enum value is returned in a JSON response as a string.",
          .fields = EnumValue_fields },
        { .kind = GQL_KIND_OBJECT,
          .name = "__Directive",
          .description = "A Directive provides a way to describe alternate runtime execution and type "
                         "validation behavior in a GraphQL document.\n\nIn some cases, you need to provide "
                         "options to alter GraphQL's execution behavior in ways field arguments will not "
                         "suffice, such as conditionally including or skipping a field. Directives provide "
                         "this by describing additional information to the executor.",
          .fields = Directive_fields },
        { .kind = GQL_KIND_ENUM,
          .name = "__DirectiveLocation",
          .description = "A Directive can be adjacent to many parts of the GraphQL language, a "
                         "__DirectiveLocation describes one such possible adjacencies.",
          .values = DirectiveLocation_values },
        { .name = NULL },
};
