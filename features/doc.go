// Package features turns loaded entitlement data into the numeric structures
// that mining and evaluation work on: the identity × entitlement matrix, peer
// groups, recommendation signals and hygiene findings.
//
// The package is pure Go (no cgo): data arrives as Apache Arrow record
// batches streamed out of the store, never row by row through database/sql.
//
// Matrix invariants:
//   - Rows are identities and columns entitlements, each with a dense index
//     0…n-1 and an id map both ways (RowID, ColID, RowIndex, ColIndex).
//   - Each row's column indices are sorted ascending and unique, and so are
//     each column's row indices; the two views always describe the same set
//     of cells.
//   - A Matrix is immutable once built: slices returned by Row and Col
//     alias its storage and must not be modified.
//
// Builders consume Arrow records without retaining them: a record is valid
// only until the reader's next Next call, so ids are copied on first sight.
// Misuse (an index out of range) panics with a "features: " message; bad data
// (a missing column, a null id) returns an error naming the column and row.
package features
