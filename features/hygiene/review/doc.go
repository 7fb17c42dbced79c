// Package review prepares access certification campaigns: one packet per
// reviewer (the identity's manager, or the entitlement's owner), listing
// every identity × entitlement to certify with pre-filled evidence and a
// suggested decision.
//
// # Evidence and suggestions
//
// Each item carries why the person has the access (assignment source and
// the approved request on record), peer coverage (package hygiene's
// Peers), fit with a mined role, last use, risk, past certification
// decisions and the hygiene findings on the item or its identity, in
// compact form (Evidence); Campaign.Explain writes them out in words when
// a packet is rendered. From the evidence, an item gets keep or revoke
// with a confidence, or decide:
//
//   - separation-of-duties conflicts, high or critical risk and privileged
//     access, exceptions (access few peers hold), access revoked in an
//     earlier campaign but still held and suspected duplicate identities
//     are never pre-decided: the suggestion is decide, with the reason;
//   - access of a leaver, in a dormant account, or unused for UnusedDays
//     is suggested for revocation;
//   - the rest is suggested to keep, with a confidence that grows with
//     peer coverage, a role or request behind it, recent use and earlier
//     keeps; keeps of RoutineConfidence or more are routine and grouped
//     so that the reviewer can confirm them together.
//
// Packets list decide items first (highest risk first), then revoke,
// keep and routine.
//
// # Replay
//
// RunReplay measures how often the suggestions matched recorded decisions:
// for every past campaign it rebuilds the access held at the campaign's
// start, computes the suggestions from what was known then, and compares,
// per risk tier. ReplayApproximations lists what it cannot reconstruct.
//
// # Output
//
// A Campaign keeps, per packet, only the indices of its assignments and
// its counts; Items builds a packet's items when they are needed.
// WritePackets streams the packets: a few at a time, their items are built
// and rendered on GOMAXPROCS goroutines and handed, in packet order, to a
// callback (rolemine stores them), so that memory does not grow with the
// campaign. WriteDir writes one self-contained HTML page and one CSV per
// reviewer, plus summary.csv, summary.html and summary.json. Pages are embedded
// html/templates with inline styles; the item rows, written in bulk,
// pass every value through html/template's escaper (template.HTMLEscape)
// and put values only in element text and quoted class names.
//
// Invalid Options (an unknown By, non-positive periods) and Data without
// AsOf are misuse and panic with a "review: " message. The package only
// reads the hygiene.Data it is given.
package review
