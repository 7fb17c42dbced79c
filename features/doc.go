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
// # Grant times
//
// A cell may carry the time it was granted, in Unix seconds (AddAt, or the
// granted_at timestamp column of the assignment stream); UnknownTime (0)
// when not known. RowTimes and ColTimes are aligned with Row and Col, or
// nil when no cell has a known time. A cell counts as held as of t when its
// time is unknown or earlier than t (HeldBefore): unknown grants count as
// old. A cell added twice keeps its earliest time, unknown first.
//
// # Recommendation signals
//
// Signals computes, for an (identity i, entitlement j) pair as of a time t,
// numbers a model (eval/model's Instance.Numeric) combines into a
// confidence that a careful approver would grant j to i. Only grants made
// before t count, and i is never its own peer or neighbour, so whether i
// holds j itself, or anything granted at or after t, never reaches its
// signals: signals of past requests computed as of their time are free of
// leakage and mean the same as today's (t = Now). With p the popularity
// and a = SignalOptions.Smoothing:
//
//   - popularity: the share of the other identities holding j, p.
//   - peers:A (an attribute, or A+B a combination): h of the g other
//     identities with i's value(s) hold j; (h + a·p)/(g + a). p when i has
//     no value.
//   - neighbours: the k identities most similar to i by the Jaccard index
//     of their entitlements (see below), h of which hold j;
//     (h + a·p)/(k' + a) with k' ≤ k found.
//   - role_fit: over the mined roles containing j, the largest share of a
//     role's other entitlements that i holds; 0 when none.
//
// Similarity leaves j out of every identity's entitlements, and ignores
// entitlements held by more than MaxNeighbourColumnShare of the identities
// or more than MaxNeighbourColumnHolders of them: they say little about
// who is alike and cost the most. The neighbours come from the inverted
// index (the rows sharing an entitlement with i), never from all pairs.
// Evidence says why in plain words ("41 of 44 peers in department Finance
// hold it", "8 of the 10 most similar identities hold it", "fits role
// Finance / AP Clerk: holds 9 of its 10 other entitlements", "held by
// 0.2 % of identities"). An identity or entitlement the matrix does not
// know is row or column -1: the signals are then neutral (an unknown
// entitlement gives zeros, an unknown identity p for peers and
// neighbours), and the evidence says so.
//
// Today's peer counts come from per-group holder tables built once; as of
// an earlier time they are corrected by counting the grants since (or
// before, whichever are fewer). A Signals is immutable and safe for
// concurrent use; ComputeAll spreads pairs over goroutines and shares the
// neighbour candidates of an identity between its pairs.
//
// Builders consume Arrow records without retaining them: a record is valid
// only until the reader's next Next call, so ids are copied on first sight.
// Misuse (an index out of range, options out of range) panics with a
// "features: " message; bad data (a missing column, a null id, a granted_at
// column that is not a timestamp) returns an error naming the column and
// row. Nothing in the package needs closing.
package features
