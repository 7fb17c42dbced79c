// Package schema is rolemine's canonical data model: the tables every source
// is loaded into, their columns, which columns are mandatory, and the value
// sets of the enumerated columns (risk tiers, decisions, identity kinds).
//
// The package is pure Go and has no dependencies, so the generator, the
// loaders and every later stage agree on one definition of the data.
//
// Invariants:
//   - Only identifier columns are mandatory (Column.Required); every other
//     column may be absent from a source, and stages that need it must say
//     what they could not compute instead of failing or guessing.
//   - Column names are lower-case snake_case and unique within a table.
//   - Every table stored in the database also carries snapshot_id, the
//     snapshot that loaded the row; it is not listed here because no source
//     file provides it.
//   - Columns of a source that are not canonical are kept as categorical
//     attributes for tables with Table.Attributes set (identities and
//     requests) and reported as ignored for the others.
package schema
