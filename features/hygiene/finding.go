package hygiene

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Severity of a finding. SeverityNotice marks a row that says a check could
// not run, or ran on partial data, rather than a problem with a subject.
type Severity string

// Severities, in increasing order of urgency after SeverityNotice.
const (
	SeverityNotice   Severity = "notice"
	SeverityInfo     Severity = "info"
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

var severityRank = map[Severity]int{SeverityNotice: 0, SeverityInfo: 1, SeverityLow: 2, SeverityMedium: 3, SeverityHigh: 4, SeverityCritical: 5}

// Rank orders severities: notice 0 … critical 5; unknown values -1.
func (s Severity) Rank() int {
	if r, ok := severityRank[s]; ok {
		return r
	}
	return -1
}

// riskSeverity maps an entitlement's risk tier and privilege to a severity.
func riskSeverity(e *Entitlement) Severity {
	switch {
	case e.Risk == "critical":
		return SeverityCritical
	case e.Risk == "high" || e.Privileged:
		return SeverityHigh
	case e.Risk == "medium":
		return SeverityMedium
	}
	return SeverityLow
}

// Check names, the values of Finding.Check.
const (
	CheckDuplicateIdentity  = "duplicate-identity"
	CheckDuplicateAccount   = "duplicate-account"
	CheckOrphanAccount      = "orphan-account"
	CheckTerminatedAccess   = "terminated-access"
	CheckDormantAccount     = "dormant-account"
	CheckUnusedAccess       = "unused-access"
	CheckNonHumanOwner      = "nonhuman-owner"
	CheckCredentialRotation = "credential-rotation"
	CheckStaleCertification = "stale-certification"
	CheckEntitlementOwner   = "entitlement-owner"
	CheckSoDViolation       = "sod-violation"
	CheckPrivilegedNoRole   = "privileged-outside-role"
	CheckOutlierAccess      = "outlier-access"
)

// Checks lists every check in report order.
var Checks = []string{
	CheckDuplicateIdentity, CheckDuplicateAccount, CheckOrphanAccount, CheckTerminatedAccess,
	CheckDormantAccount, CheckUnusedAccess, CheckNonHumanOwner, CheckCredentialRotation,
	CheckStaleCertification, CheckEntitlementOwner, CheckSoDViolation, CheckPrivilegedNoRole,
	CheckOutlierAccess,
}

// Subject types of findings.
const (
	SubjectIdentity    = "identity"
	SubjectAccount     = "account"
	SubjectEntitlement = "entitlement"
	SubjectRule        = "sod_rule"
	SubjectSummary     = "summary" // a row summarising a check (e.g. the share overdue)
)

// Finding is one hygiene problem, or a notice about a check (Severity
// notice, no subject). Identity and Entitlement are the indices the finding
// is about in Data (-1 when none), for linking findings to review items.
type Finding struct {
	Check       string   `json:"check"`
	Severity    Severity `json:"severity"`
	SubjectType string   `json:"subject_type,omitempty"`
	SubjectID   string   `json:"subject_id"`
	RelatedType string   `json:"related_type,omitempty"`
	RelatedID   string   `json:"related_id"`
	Confidence  float64  `json:"confidence"`
	Evidence    string   `json:"evidence"`
	NextStep    string   `json:"next_step"`

	Identity    int32 `json:"-"`
	Entitlement int32 `json:"-"`
}

func notice(check string, format string, args ...any) Finding {
	return Finding{Check: check, Severity: SeverityNotice, Confidence: 1, Evidence: fmt.Sprintf(format, args...),
		NextStep: "load the missing data to run this check", Identity: -1, Entitlement: -1}
}

// CheckStats summarises one check's results.
type CheckStats struct {
	Check    string         `json:"check"`
	Findings int            `json:"findings"`
	Notices  []string       `json:"notices,omitempty"`
	Measures map[string]any `json:"measures,omitempty"` // e.g. the share of overdue credentials
}

// Report is the result of Run: the findings sorted by check order, then
// severity (highest first), then subject; per-check statistics; the
// duplicate pairs and outlier scores in detail; and the warnings of loading
// and checking.
type Report struct {
	AsOf       int64        `json:"as_of"`
	Findings   []Finding    `json:"-"`
	Stats      []CheckStats `json:"checks"`
	Duplicates []Pair       `json:"-"`
	Peers      *Peers       `json:"-"`
	Warnings   []string     `json:"warnings"`
}

// Stat returns the statistics of check, or nil when it did not run.
func (r *Report) Stat(check string) *CheckStats {
	for k := range r.Stats {
		if r.Stats[k].Check == check {
			return &r.Stats[k]
		}
	}
	return nil
}

// sortFindings orders findings by check (Checks order), notices first,
// then severity (highest first), confidence, subject and related id.
func sortFindings(fs []Finding) {
	order := map[string]int{}
	for k, c := range Checks {
		order[c] = k
	}
	slices.SortStableFunc(fs, func(a, b Finding) int { return cmp.Compare(order[a.Check], order[b.Check]) })
	for lo := 0; lo < len(fs); {
		hi := lo + 1
		for hi < len(fs) && fs[hi].Check == fs[lo].Check {
			hi++
		}
		slices.SortFunc(fs[lo:hi], compareFindings)
		lo = hi
	}
}

func compareFindings(a, b Finding) int {
	ra, rb := a.Severity.Rank(), b.Severity.Rank()
	if ra == 0 || rb == 0 { // notices first
		if c := cmp.Compare(ra, rb); c != 0 {
			return c
		}
	}
	return cmp.Or(cmp.Compare(rb, ra), cmp.Compare(b.Confidence, a.Confidence),
		cmp.Compare(a.SubjectID, b.SubjectID), cmp.Compare(a.RelatedID, b.RelatedID), cmp.Compare(a.Evidence, b.Evidence))
}

// day formats a Unix time as a date, or "never" for zero.
func day(t int64) string {
	if t == 0 {
		return "never"
	}
	return time.Unix(t, 0).UTC().Format("2006-01-02")
}

// daysBetween returns whole days from a to b.
func daysBetween(a, b int64) int { return int((b - a) / 86400) }
