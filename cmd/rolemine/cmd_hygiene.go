package main

import (
	"bufio"
	"context"
	"database/sql/driver"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/spf13/pflag"

	"rolemine/datasets"
	"rolemine/features/hygiene"
)

type hygieneOptions struct {
	DB, Out, AsOf     string
	Checks            []string
	DormantDays       int
	UnusedDays        int
	RotationDays      int
	RotationByKind    []string
	CertificationDays int
	CertifyBirthright bool
	MinConfidence     float64
	MaxCoverage       float64
	MinPeers          int
	PeerAttributes    []string
	Truth             string
}

func (o *hygieneOptions) AddFlags(fs *pflag.FlagSet) {
	d := hygiene.DefaultOptions
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Out, "out", "", "directory for findings.csv, findings.jsonl and summary.json")
	fs.StringVar(&o.AsOf, "as-of", "", `"now" for ages, a date or RFC 3339 time (default: the newest timestamp in the data)`)
	fs.StringSliceVar(&o.Checks, "check", nil, "run only these checks (repeatable; default all: "+strings.Join(hygiene.Checks, ", ")+")")
	fs.IntVar(&o.DormantDays, "dormant-days", d.DormantDays, "an account without a login for longer is dormant")
	fs.IntVar(&o.UnusedDays, "unused-days", d.UnusedDays, "access without use for longer is unused")
	fs.IntVar(&o.RotationDays, "rotation-days", d.RotationDays, "credential rotation policy of non-human identities, in days")
	fs.StringSliceVar(&o.RotationByKind, "rotation-days-kind", nil, "rotation policy per kind, e.g. bot=30,service=60")
	fs.IntVar(&o.CertificationDays, "certification-days", d.CertificationDays, "campaign period: access not certified within it is stale")
	fs.BoolVar(&o.CertifyBirthright, "certify-birthright", false, "count birthright access in certification coverage")
	fs.Float64Var(&o.MinConfidence, "duplicate-confidence", d.Duplicates.MinConfidence, "lowest confidence of reported duplicate identities")
	fs.Float64Var(&o.MaxCoverage, "outlier-share", d.Outliers.MaxCoverage, "access held by a smaller share of every peer group is an outlier")
	fs.IntVar(&o.MinPeers, "min-peers", d.Outliers.MinPeers, "fewest other members a peer group needs")
	fs.StringSliceVar(&o.PeerAttributes, "peer-attribute", nil, "extra identity attribute to form peer groups by (repeatable), e.g. cost_center")
	fs.StringVar(&o.Truth, "truth", "", "ground_truth directory of a generated enterprise: score the findings against it")
}

func hygieneCommand() *command {
	var o hygieneOptions
	return &command{
		name: "hygiene", args: "--out DIR [flags]",
		short: "find identity hygiene problems: duplicates, orphans, dormant and unused access, SoD, outliers",
		long: `Checks the current snapshot for duplicate identities and accounts, orphaned,
dormant and leavers' accounts, unused access, non-human identities without an
owner or with overdue credentials, stale certifications, entitlements without an
owner, separation-of-duties violations, privileged access outside roles and
outlier access. Each finding has a severity, the evidence and a next step; a
check that lacks the data it needs says so in a notice row. Ages are measured
from --as-of (default: the newest timestamp in the data). Findings are written
to DIR/findings.csv and DIR/findings.jsonl and stored with a runs row.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("hygiene"); o = hygieneOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runHygiene(ctx, e, o, args) },
	}
}

// options turns the flags into hygiene.Options.
func (o hygieneOptions) options() (hygiene.Options, error) {
	opts := hygiene.DefaultOptions
	for _, c := range o.Checks {
		if !slices.Contains(hygiene.Checks, c) {
			return opts, usagef("hygiene: unknown check %q (checks: %s)", c, strings.Join(hygiene.Checks, ", "))
		}
	}
	opts.Checks = o.Checks
	err := positive("hygiene", intFlag{"--dormant-days", o.DormantDays}, intFlag{"--unused-days", o.UnusedDays},
		intFlag{"--rotation-days", o.RotationDays}, intFlag{"--certification-days", o.CertificationDays}, intFlag{"--min-peers", o.MinPeers})
	if err != nil {
		return opts, err
	}
	opts.DormantDays, opts.UnusedDays, opts.RotationDays = o.DormantDays, o.UnusedDays, o.RotationDays
	opts.CertificationDays, opts.CertifyBirthright = o.CertificationDays, o.CertifyBirthright
	if len(o.RotationByKind) > 0 {
		opts.RotationByKind = map[string]int{}
		for _, kv := range o.RotationByKind {
			k, v, ok := strings.Cut(kv, "=")
			n, err := strconv.Atoi(v)
			if !ok || err != nil || n <= 0 || k == "" {
				return opts, usagef("hygiene: --rotation-days-kind %q: want kind=days", kv)
			}
			opts.RotationByKind[strings.ToLower(k)] = n
		}
	}
	if err := openUnit("hygiene", "--duplicate-confidence", o.MinConfidence); err != nil {
		return opts, err
	}
	if err := openUnit("hygiene", "--outlier-share", o.MaxCoverage); err != nil {
		return opts, err
	}
	opts.Duplicates.MinConfidence = o.MinConfidence
	opts.Outliers.MaxCoverage, opts.Outliers.MinPeers, opts.Outliers.Attributes = o.MaxCoverage, o.MinPeers, o.PeerAttributes
	return opts, nil
}

// intFlag is an integer flag's name and value, for positive.
type intFlag struct {
	name string
	v    int
}

// positive returns a usage error of command cmd for the first flag that
// is not positive.
func positive(cmd string, flags ...intFlag) error {
	for _, f := range flags {
		if f.v <= 0 {
			return usagef("%s: %s must be positive", cmd, f.name)
		}
	}
	return nil
}

// openUnit returns a usage error of command cmd when flag's value v is not
// in (0, 1).
func openUnit(cmd, flag string, v float64) error {
	if v <= 0 || v >= 1 {
		return usagef("%s: %s must be in (0, 1)", cmd, flag)
	}
	return nil
}

// checkOutArgs checks what hygiene and review both require: no arguments
// and an --out directory.
func checkOutArgs(cmd, out string, args []string) error {
	if len(args) > 0 {
		return usagef("%s: unexpected arguments %q", cmd, args)
	}
	if out == "" {
		return usagef("%s: --out DIR is required", cmd)
	}
	return nil
}

func runHygiene(ctx context.Context, e *env, o hygieneOptions, args []string) error {
	if err := checkOutArgs("hygiene", o.Out, args); err != nil {
		return err
	}
	opts, err := o.options()
	if err != nil {
		return err
	}
	start := time.Now()
	store, snapshot, d, err := openHygieneData(ctx, e, "hygiene", o.DB, hygieneLoad{roles: true, attributes: o.PeerAttributes, asOf: o.AsOf})
	if err != nil {
		return err
	}
	defer store.Close()
	var rep *hygiene.Report
	e.run("checking", func() error { rep = hygiene.Run(d, opts); return nil })
	e.batch.Snapshot.keepPeers(d, opts.Outliers, rep.Peers)
	out := hygieneSummary{AsOf: formatAsOf(rep.AsOf), Snapshot: snapshot, Checks: rep.Stats, Warnings: rep.Warnings}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	if o.Truth != "" {
		truth, err := hygiene.ReadTruth(o.Truth)
		if err != nil {
			return err
		}
		out.Truth = truth.Evaluate(rep)
	}
	printHygiene(e, rep, &out)
	// The files are written while the findings are stored; the run is
	// committed only once they are written.
	written := writeInBackground(func() error { return writeHygieneFiles(o.Out, rep, &out) })
	params := e.parameters()
	params["as_of"] = out.AsOf // the reference time the checks used
	run := &datasets.Run{Command: "hygiene", SnapshotID: snapshot, StartedAt: start, Parameters: params, Batch: e.batch.ID}
	err = e.run("writing and storing", func() error { return storeHygiene(ctx, store, run, rep, &out, written) })
	if werr := written(); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	e.batch.Snapshot.keepEvidence(d, run.ID, rep, opts.Checks)
	e.logf("wrote %s", filepath.Join(o.Out, "findings.csv"))
	return nil
}

// writeInBackground runs write on its own goroutine and returns a function
// that waits for it and returns its error (every call returns the same).
func writeInBackground(write func() error) func() error {
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		err = write()
	}()
	return func() error {
		<-done
		return err
	}
}

// hygieneSummary is summary.json.
type hygieneSummary struct {
	AsOf     string               `json:"as_of"`
	Snapshot int64                `json:"snapshot_id"`
	Checks   []hygiene.CheckStats `json:"checks"`
	Truth    []hygiene.Score      `json:"ground_truth,omitempty"`
	Warnings []string             `json:"warnings"`
}

func formatAsOf(t int64) string {
	if t == 0 {
		return ""
	}
	return time.Unix(t, 0).UTC().Format(time.RFC3339)
}

func printHygiene(e *env, rep *hygiene.Report, out *hygieneSummary) {
	fmt.Fprintf(e.stdout, "as of %s\n", orNone(out.AsOf))
	bySev := map[string]map[hygiene.Severity]int{}
	for _, f := range rep.Findings {
		if bySev[f.Check] == nil {
			bySev[f.Check] = map[hygiene.Severity]int{}
		}
		bySev[f.Check][f.Severity]++
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "check\tfindings\tcritical\thigh\tmedium\tlow\tnotices")
	for _, s := range rep.Stats {
		n := bySev[s.Check]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", s.Check, s.Findings, n[hygiene.SeverityCritical], n[hygiene.SeverityHigh],
			n[hygiene.SeverityMedium], n[hygiene.SeverityLow], len(s.Notices))
	}
	tw.Flush()
	for _, s := range rep.Stats {
		for _, n := range s.Notices {
			fmt.Fprintf(e.stdout, "notice: %s: %s\n", s.Check, n)
		}
		if v, ok := s.Measures["overdue_share"]; ok {
			fmt.Fprintf(e.stdout, "%s: %.1f%% of non-human accounts overdue\n", s.Check, 100*v.(float64))
		}
	}
	if len(out.Truth) > 0 {
		fmt.Fprintln(e.stdout, "against the ground truth:")
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "measure\tfound\ttrue\thits\tprecision\trecall")
		for _, s := range out.Truth {
			prec := "-"
			if s.Precision > 0 || s.Found > 0 && s.Hits == 0 {
				prec = fmt.Sprintf("%.3f", s.Precision)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%.3f\n", s.Name, s.Found, s.True, s.Hits, prec, s.Recall)
		}
		tw.Flush()
	}
	for _, w := range rep.Warnings {
		e.logf("warning: %s", w)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(no timestamps in the data)"
	}
	return s
}

// findingsHeader is the column order of findings.csv and of the stored
// hygiene_findings rows (after run_id).
var findingsHeader = []string{"check", "severity", "subject_type", "subject_id", "related_type", "related_id", "confidence", "evidence", "next_step"}

func findingRow(f *hygiene.Finding) []string {
	return []string{f.Check, string(f.Severity), f.SubjectType, f.SubjectID, f.RelatedType, f.RelatedID,
		strconv.FormatFloat(f.Confidence, 'f', 3, 64), f.Evidence, f.NextStep}
}

func writeHygieneFiles(dir string, rep *hygiene.Report, out *hygieneSummary) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	err := writeBuffered(filepath.Join(dir, "findings.csv"), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(findingsHeader)
		for k := range rep.Findings {
			cw.Write(findingRow(&rep.Findings[k]))
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return err
	}
	err = writeBuffered(filepath.Join(dir, "findings.jsonl"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for k := range rep.Findings {
			if err := enc.Encode(&rep.Findings[k]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeBuffered(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	})
}

func writeBuffered(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := write(bw); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// storeHygiene records the run, its findings and per-check metrics in one
// transaction.
// written is called last, inside the transaction: an error from it rolls
// the run back.
func storeHygiene(ctx context.Context, store *datasets.Store, run *datasets.Run, rep *hygiene.Report, out *hygieneSummary, written func() error) error {
	return store.Write(ctx, func(tx *datasets.Tx) error {
		if err := tx.RecordRun(run, out); err != nil {
			return err
		}
		err := tx.AppendArrow("hygiene_findings", datasets.ResultSchema("hygiene_findings"), func(rows *datasets.ArrowRows) error {
			return findingRows(run.ID, rep.Findings, rows)
		})
		if err != nil {
			return err
		}
		err = tx.Append("metrics", func(add func(...driver.Value) error) error {
			for _, s := range rep.Stats {
				if err := add(run.ID, "findings."+s.Check, float64(s.Findings)); err != nil {
					return err
				}
				for k, v := range s.Measures {
					if x, ok := toFloat(v); ok {
						if err := add(run.ID, s.Check+"."+k, x); err != nil {
							return err
						}
					}
				}
			}
			for _, s := range out.Truth {
				if err := add(run.ID, "truth."+s.Name+".precision", s.Precision); err != nil {
					return err
				}
				if err := add(run.ID, "truth."+s.Name+".recall", s.Recall); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return written()
	})
}

// findingRows adds the hygiene_findings rows of run to rows. Texts are
// stored as they are, empty ones included.
func findingRows(run int64, findings []hygiene.Finding, rows *datasets.ArrowRows) error {
	runs, confidence := rows.Field(0).(*array.Int64Builder), rows.Field(7).(*array.Float64Builder)
	text := func(k int) *array.StringBuilder { return rows.Field(k).(*array.StringBuilder) }
	check, severity, subjectType, subjectID, relatedType, relatedID := text(1), text(2), text(3), text(4), text(5), text(6)
	evidence, nextStep := text(8), text(9)
	for k := range findings {
		f := &findings[k]
		runs.Append(run)
		check.Append(f.Check)
		severity.Append(string(f.Severity))
		subjectType.Append(f.SubjectType)
		subjectID.Append(f.SubjectID)
		relatedType.Append(f.RelatedType)
		relatedID.Append(f.RelatedID)
		confidence.Append(f.Confidence)
		evidence.Append(f.Evidence)
		nextStep.Append(f.NextStep)
		if err := rows.EndRow(); err != nil {
			return err
		}
	}
	return nil
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}
