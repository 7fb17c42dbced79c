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
package export
