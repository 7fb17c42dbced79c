// Package synth generates a synthetic enterprise for rolemine: identities
// with departments, titles, locations and a manager tree, non-human
// identities and their owners, accounts, an entitlement catalogue over
// applications, assignments that follow planted roles plus noise, a two-year
// history of access requests, access-review campaigns and separation-of-
// duties rules, together with the ground truth that later stages are scored
// against.
//
// Generate(opts, dir) writes CSV files with a header row; canonical column
// names are those of package schema, timestamps are UTC in the layout
// "2006-01-02 15:04:05", booleans are true/false and an empty field is a
// missing value:
//
//	identities.csv      identity_id … termination_date, plus cost_center, division
//	accounts.csv        account_id, identity_id, application, username, created_at,
//	                    last_login_at, credential_rotated_at
//	entitlements.csv    entitlement_id, application, name, risk, privileged, owner_id
//	assignments.csv     identity_id, entitlement_id, granted_at, source, last_used_at
//	requests.csv        request_id, identity_id, entitlement_id, requested_at,
//	                    decided_at, decision, decided_by, revoked_at
//	certifications.csv  identity_id, entitlement_id, campaign, certified_at,
//	                    decision, reviewer_id
//	sod_rules.csv       rule_id, entitlement_a, entitlement_b, severity
//
// and in ground_truth/:
//
//	planted_roles.csv         role_id, kind, entitlement_id, rule (one row per role entitlement)
//	planted_role_members.csv  role_id, identity_id
//	duplicates.csv            identity_a, identity_b (two identities of one person)
//	noise_assignments.csv     identity_id, entitlement_id, kind (extra|missing), cause
//	decisions.csv             request_id, decision, true_decision, reviewer_noise,
//	                          approve_probability, scenario
//	outliers.csv              identity_id, kind, detail
//
// # The planted structure
//
// Every human holds the birthright roles of all humans, of their department,
// of their location and, for contractors, of contractors; the job role of
// their department and title; the people-manager role when they have
// direct reports; and some cross-cutting roles drawn from members of two to
// four jobs. Each non-human identity holds one service role. A role's rule
// column says how its members are chosen. Role sizes are 5–40 entitlements
// (smaller only when the catalogue is too small for the organisation), so
// the number of assignments per identity follows from them: about 50 at any
// scale, 5 million for 100,000 identities.
//
// On top of the roles: each planted grant is missing with probability
// Noise/2 and each person gets, on average, Noise/2 extra grants per
// planted grant; some request outcomes use this budget (cause "request").
// Movers keep part of a previous job's access, second identities hold part
// of their person's job access, and a few people violate an SoD rule; these
// deviations are listed with their own causes and outliers.
//
// Request decisions follow a logistic policy of how well the entitlement
// fits the requester (its planted roles, its department's other jobs,
// one-off access, another department's job) and of risk, privilege, SoD
// conflicts and whether the requester is human or has left: a standard
// low-risk request that fits the requester's role is approved about 997
// times in 1,000. Reviewers then err on close calls: a decision of approval
// probability p is flipped with probability ReviewerNoise·4p(1-p). Approved requests may be revoked
// later; about Options.Pending of the requests, in the last three weeks,
// are still pending, some from leavers or non-humans, for privileged
// entitlements or completing a toxic pair.
//
// # Invariants
//
//   - The same Options give byte-identical files. Nothing reads the wall
//     clock: every date lies before Options.Now (termination_date may lie
//     after it for scheduled leavers).
//   - Every id refers to an existing row, except the identity_id of
//     orphaned accounts, which is empty. Table keys are unique.
//   - Planted roles have pairwise disjoint entitlement sets; every job has
//     at least ten people. planted_role_members.csv lists who was given each
//     role (people whose access was removed when they left are no members);
//     assignments.csv holds exactly the members' role grants less those
//     listed as missing in noise_assignments.csv, plus those listed there
//     as extra.
//   - identities are numbered in random order, so an id says nothing about
//     its kind or about being a second identity.
//   - A recorded decision differs from true_decision exactly when
//     reviewer_noise is true; pending requests have no decided_at or
//     decided_by; revoked_at is set only on approved requests, after
//     decided_at. Deciders and reviewers are employed at the time.
//
// Options with out-of-range values make Generate return an error before any
// file is written; a failing write returns an error naming the file, and may
// leave some files behind. Generate keeps the organisation in memory (about
// 120 MB at 100,000 identities) and streams the large files, formatting on
// the calling goroutine while one goroutine per file writes.
package synth
