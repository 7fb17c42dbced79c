package export

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Decision is one triage decision, as a workflow system or SIEM takes it:
// the request, where it was routed, the score and the rule, the policy and
// the evidence a reviewer reads.
type Decision struct {
	Event       string    `json:"event"` // always "rolemine.triage.decision"
	Time        time.Time `json:"time"`  // when the triage run finished
	RunID       int64     `json:"run_id"`
	Request     Request   `json:"request"`
	Route       string    `json:"route"` // auto-approve, review or escalate
	QASample    bool      `json:"qa_sample"`
	Tier        string    `json:"tier"`
	Probability *float64  `json:"probability"`
	Score       *float64  `json:"score"`
	Rule        string    `json:"rule"`
	Reason      string    `json:"reason"`
	PolicyID    string    `json:"policy_id"`
	// Evidence is the reviewer's evidence as triage stored it: its items
	// joined by "; ". It stays one string: the items quote source data
	// (peer group values, entitlement and application names) that may
	// themselves contain "; ", so splitting the stored text could cut an
	// item in two. An array needs triage_decisions to store the items.
	Evidence string `json:"evidence"`
}

// Request is the access request a decision is about.
type Request struct {
	ID          string `json:"request_id"`
	Identity    string `json:"identity_id"`
	Entitlement string `json:"entitlement_id"`
	Application string `json:"application"`
}

// ReadDecisions reads the decisions of triage run run, by request id.
func ReadDecisions(ctx context.Context, db *sql.DB, run int64) ([]Decision, error) {
	rows, err := db.QueryContext(ctx, `SELECT d.request_id, coalesce(d.identity_id, ''), d.entitlement_id, coalesce(d.application, ''),
		coalesce(d.route, ''), coalesce(d.qa_sample, false), coalesce(d.tier, ''), d.probability, d.score, coalesce(d.rule, ''),
		coalesce(d.reason, ''), coalesce(d.policy_id, ''), coalesce(d.evidence, ''), coalesce(r.finished_at, r.started_at)
		FROM triage_decisions d JOIN runs r USING (run_id) WHERE d.run_id = ? ORDER BY d.request_id`, run)
	if err != nil {
		return nil, fmt.Errorf("read decisions of run %d: %w", run, err)
	}
	defer rows.Close()
	var out []Decision
	for rows.Next() {
		d := Decision{Event: "rolemine.triage.decision", RunID: run}
		var p, s sql.NullFloat64
		if err := rows.Scan(&d.Request.ID, &d.Request.Identity, &d.Request.Entitlement, &d.Request.Application, &d.Route, &d.QASample,
			&d.Tier, &p, &s, &d.Rule, &d.Reason, &d.PolicyID, &d.Evidence, &d.Time); err != nil {
			return nil, err
		}
		d.Time = d.Time.UTC()
		d.Probability, d.Score = nullFloat(p), nullFloat(s)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DecisionCSVHeader is the header of the ticketing CSV of decisions, one
// row per decision: the ticket's summary in words, then the fields of
// Decision flattened.
var DecisionCSVHeader = []string{"request_id", "summary", "route", "qa_sample", "identity_id", "entitlement_id", "application",
	"tier", "probability", "score", "rule", "reason", "policy_id", "evidence", "run_id", "time"}

func (d Decision) csvRow() []string {
	summary := fmt.Sprintf("%s: %s requests %s (%s)", d.Route, d.Request.Identity, d.Request.Entitlement, d.Request.Application)
	return []string{d.Request.ID, summary, d.Route, strconv.FormatBool(d.QASample), d.Request.Identity, d.Request.Entitlement,
		d.Request.Application, d.Tier, floatText(d.Probability), floatText(d.Score), d.Rule, d.Reason, d.PolicyID, d.Evidence,
		strconv.FormatInt(d.RunID, 10), d.Time.Format(time.RFC3339)}
}

// Finding is one hygiene finding as an event.
type Finding struct {
	Event       string   `json:"event"` // always "rolemine.hygiene.finding"
	RunID       int64    `json:"run_id"`
	Check       string   `json:"check"`
	Severity    string   `json:"severity"`
	SubjectType string   `json:"subject_type"`
	SubjectID   string   `json:"subject_id"`
	RelatedType string   `json:"related_type"`
	RelatedID   string   `json:"related_id"`
	Confidence  *float64 `json:"confidence"`
	Evidence    string   `json:"evidence"`
	NextStep    string   `json:"next_step"`
}

// ReadFindings reads the findings of hygiene run run, by check and subject.
func ReadFindings(ctx context.Context, db *sql.DB, run int64) ([]Finding, error) {
	rows, err := db.QueryContext(ctx, `SELECT "check", severity, coalesce(subject_type, ''), coalesce(subject_id, ''),
		coalesce(related_type, ''), coalesce(related_id, ''), confidence, coalesce(evidence, ''), coalesce(next_step, '')
		FROM hygiene_findings WHERE run_id = ? ORDER BY ALL`, run)
	if err != nil {
		return nil, fmt.Errorf("read findings of run %d: %w", run, err)
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		f := Finding{Event: "rolemine.hygiene.finding", RunID: run}
		var c sql.NullFloat64
		if err := rows.Scan(&f.Check, &f.Severity, &f.SubjectType, &f.SubjectID, &f.RelatedType, &f.RelatedID, &c, &f.Evidence, &f.NextStep); err != nil {
			return nil, err
		}
		f.Confidence = nullFloat(c)
		out = append(out, f)
	}
	return out, rows.Err()
}

// FindingCSVHeader is the header of the ticketing CSV of findings.
var FindingCSVHeader = []string{"check", "severity", "subject_type", "subject_id", "related_type", "related_id", "confidence", "evidence", "next_step", "run_id"}

func (f Finding) csvRow() []string {
	return []string{f.Check, f.Severity, f.SubjectType, f.SubjectID, f.RelatedType, f.RelatedID, floatText(f.Confidence),
		f.Evidence, f.NextStep, strconv.FormatInt(f.RunID, 10)}
}

// WriteJSONL writes one JSON object per line to path and returns path.
func WriteJSONL[T any](path string, events []T) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			f.Close()
			return "", err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// WriteDecisionCSV writes the decisions to path (DecisionCSVHeader).
func WriteDecisionCSV(path string, ds []Decision) (string, error) {
	rows := make([][]string, len(ds))
	for k, d := range ds {
		rows[k] = d.csvRow()
	}
	return writeCSVFile(path, DecisionCSVHeader, rows)
}

// WriteFindingCSV writes the findings to path (FindingCSVHeader).
func WriteFindingCSV(path string, fs []Finding) (string, error) {
	rows := make([][]string, len(fs))
	for k, f := range fs {
		rows[k] = f.csvRow()
	}
	return writeCSVFile(path, FindingCSVHeader, rows)
}

func nullFloat(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

func floatText(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}
