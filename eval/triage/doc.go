// Package triage holds what the nightly triage adds around the policy's
// routing (policy.File.Route): the reproducible quality-assurance sample of
// auto-approvals and the append-only, hash-chained decision log.
//
// # Quality sample
//
// QASample draws a share of auto-approvals for human quality review from
// the seed and the request id alone, so a rerun or a resumed run samples
// exactly the same requests, whatever their order, and the sample is a
// fair random draw of auto-approvals, the basis on which outcomes measures
// precision after go-live.
//
// # Decision log
//
// Every automated decision and every recorded outcome is an Entry. Chain
// numbers entries after the last one logged and seals each with the SHA-256
// of its content and of the previous entry's hash; Verify walks a log in
// order and names the first entry whose hash or link does not match, so
// rewriting or deleting an entry is evident. Times are kept to the
// microsecond, the store's precision.
package triage
