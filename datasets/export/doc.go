// Package export writes what rolemine computed, read from the store, in the
// shapes identity platforms take back: mined roles as SCIM 2.0 Group
// resources (RFC 7643 §4.2, one JSON file per role, with the rolemine role
// extension) or as a role-import CSV; triage decisions and hygiene findings
// as JSON Lines events or CSV for a ticketing import.
//
// Every function reads one run (a mine, triage or hygiene run of the
// runs table) through a read-only query and writes files into a directory
// it creates; it never changes the store. Output is deterministic: rows are
// ordered by their ids, so that two exports of one run are byte-identical.
//
// The SCIM resources carry no "id": a service provider assigns it when the
// resource is POSTed (RFC 7644 §3.3). The role's rolemine id is its
// externalId. RoleExtensionSchema describes the extension in the form of
// RFC 7643 §7, for a service provider that wants it registered.
//
// The role CSV (RoleCSVHeader) is rolemine's own shape, not one a product
// defines, because neither target documents a CSV header for roles:
//
//   - SailPoint IdentityIQ documents a role's fields (Name, Display Name,
//     Type, Owner, Description, an entitlement profile of application,
//     attribute and value; "How to Create or Edit a Role",
//     documentation.sailpoint.com/identityiq_83/help/rolemgmt/role_create_edit.htm)
//     and a CSV import for the entitlement catalog only, whose first line
//     is a comment naming the properties (#value, displayName, owner,
//     application, attribute, requestable, …; "Importing and Exporting
//     Managed Attributes", documentation.sailpoint.com/identityiq/help/appmgmt/entitlementcatimportexport.html).
//     No role CSV import was found in its documentation; roles are made
//     in Role Management or (not confirmed in those pages) imported as
//     IdentityIQ XML objects.
//   - midPoint imports roles as XML, JSON or YAML objects; a CSV reaches it
//     through a CSV connector resource whose column names and inbound
//     mappings the resource definition sets (Evolveum/midpoint,
//     samples/resources/csv/resource-csv-groups.xml), so any header works.
//
// A per-product header would therefore be a guess; the doc comment of
// RoleCSVHeader says which product field each column fills.
package export
