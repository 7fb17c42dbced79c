// Package hygiene finds identity-governance hygiene problems in loaded
// entitlement data: the same person under several identities, orphaned,
// duplicate and dormant accounts, leavers who keep access, unused access,
// non-human identities without an owner or with overdue credentials,
// stale certifications, entitlements without an owner, separation-of-
// duties violations, privileged access outside roles, and outlier access
// that few peers hold.
//
// # Data
//
// Data holds the current tables (package schema) with ids resolved to
// dense indices. Fill it with NewData and the Add methods, or stream Arrow
// record batches into it with the Read methods, then call Prepare once:
// it sorts the assignments by identity and entitlement (in place when they
// were added in that order, as rolemine reads them) and builds the indices
// the checks use. A loader that knows the row counts calls Reserve first,
// so that each large table is allocated once. References to unknown ids are skipped and
// counted in Data.Warnings, never silently dropped. Times are Unix
// seconds; zero means missing. Data.AsOf is "now" for every age: the
// caller sets it (rolemine takes the newest timestamp in the data,
// Data.Newest, unless told otherwise), so results never depend on the
// wall clock. Once identities and entitlements are read, the Read methods
// of the other tables may run concurrently, each on its own reader, so
// that a loader can stream several tables at once; the Read methods
// intern repeated values (kinds, departments, applications) so that
// millions of rows share a few thousand strings; certifications, the
// largest table after the assignments, hold their campaign, decision and
// reviewer as Words of the Data (Data.Word), so that their rows have no
// pointers for the garbage collector to follow.
//
// # Checks
//
// Run runs the checks named in Checks and returns a Report: findings with
// a check name, severity, subject and related ids, confidence, evidence
// and next step, and per-check statistics. A check that lacks the data it
// needs (no accounts, no last_used_at, no certifications, no reference
// time…) adds a notice finding (severity notice, no subject) saying so
// instead of reporting nothing; notices come first within their check.
//
// Duplicate identities (FindDuplicates) never compare all pairs: humans
// are grouped by blocking keys (family name and its one-letter deletions
// with a given-name initial, Soundex, e-mail local part, manager with an
// initial) and only pairs sharing a key are scored, each once, by a
// Fellegi–Sunter log-likelihood ratio. Name agreement (after folding case
// and accents, resolving nicknames, initials, one-letter typos and swapped
// order) is weighted by how common the name is; agreement on manager, job
// and location by how often two different people agree on exactly that
// pattern, counted from the data by inclusion–exclusion over group sizes;
// start dates and, across jobs, shared access add evidence.
//
// Peer coverage (ComputePeers) counts, for every assignment, how many
// members of each of the identity's peer groups (job, manager, department,
// location, employment type, people managers, extra attributes; groups
// never mix humans and non-humans) hold the same entitlement, shrinking
// small groups towards the organisation-wide share. Non-humans, which HR
// attributes do not describe, are also compared with the other non-humans
// that hold one of their entitlements. An assignment is an outlier when
// its best share is below OutlierOptions.MaxCoverage, it is not a
// birthright grant and no mined role that the identity fits contains it.
//
// # Invariants
//
//   - The checks only read Data; Prepare is the only method that changes
//     it after loading, and Data must not be modified once prepared.
//   - Findings are deterministic for given Data and Options.
//   - Misuse panics with a "hygiene: " message: Add after Prepare, use
//     before Prepare, an unknown check name, non-positive periods.
//
// Truth and Evaluate score a report against the ground truth of a
// generated enterprise (package datasets/synth).
package hygiene
