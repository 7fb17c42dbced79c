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
	for _, p := range []struct {
		name string
		v    int
	}{{"--dormant-days", o.DormantDays}, {"--unused-days", o.UnusedDays}, {"--rotation-days", o.RotationDays},
		{"--certification-days", o.CertificationDays}, {"--min-peers", o.MinPeers}} {
		if p.v <= 0 {
			return opts, usagef("hygiene: %s must be positive", p.name)
		}
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
	if o.MinConfidence <= 0 || o.MinConfidence >= 1 {
		return opts, usagef("hygiene: --duplicate-confidence must be in (0, 1)")
	}
	if o.MaxCoverage <= 0 || o.MaxCoverage >= 1 {
		return opts, usagef("hygiene: --outlier-share must be in (0, 1)")
	}
	opts.Duplicates.MinConfidence = o.MinConfidence
	opts.Outliers.MaxCoverage, opts.Outliers.MinPeers, opts.Outliers.Attributes = o.MaxCoverage, o.MinPeers, o.PeerAttributes
	return opts, nil
}

func runHygiene(ctx context.Context, e *env, o hygieneOptions, args []string) error {
	if len(args) > 0 {
		return usagef("hygiene: unexpected arguments %q", args)
	}
	if o.Out == "" {
		return usagef("hygiene: --out DIR is required")
	}
	opts, err := o.options()
	if err != nil {
		return err
	}
	store, snapshot, err := openSnapshot(ctx, o.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	var d *hygiene.Data
	err = e.run("loading", func() (err error) {
		d, err = loadHygieneData(ctx, store, hygieneLoad{roles: true, attributes: o.PeerAttributes, asOf: o.AsOf})
		return err
	})
	if err != nil {
		return err
	}
	var rep *hygiene.Report
	e.run("checking", func() error { rep = hygiene.Run(d, opts); return nil })
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
	if err := e.run("writing", func() error { return writeHygieneFiles(o.Out, rep, &out) }); err != nil {
		return err
	}
	e.logf("wrote %s", filepath.Join(o.Out, "findings.csv"))
	run := &datasets.Run{Command: "hygiene", SnapshotID: snapshot, StartedAt: start,
		Parameters: map[string]any{"as_of": out.AsOf, "options": opts}}
	return e.run("storing", func() error { return storeHygiene(ctx, store, run, rep, &out) })
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

// hygieneTable holds the findings of hygiene runs.
const hygieneTable = `CREATE TABLE IF NOT EXISTS hygiene_findings (
	run_id BIGINT NOT NULL, "check" VARCHAR NOT NULL, severity VARCHAR NOT NULL, subject_type VARCHAR,
	subject_id VARCHAR, related_type VARCHAR, related_id VARCHAR, confidence DOUBLE, evidence VARCHAR, next_step VARCHAR)`

// storeHygiene records the run, its findings and per-check metrics in one
// transaction.
func storeHygiene(ctx context.Context, store *datasets.Store, run *datasets.Run, rep *hygiene.Report, out *hygieneSummary) error {
	return store.Write(ctx, func(tx *datasets.Tx) error {
		if err := tx.Exec(hygieneTable); err != nil {
			return err
		}
		if err := tx.RecordRun(run, out); err != nil {
			return err
		}
		err := tx.Append("hygiene_findings", func(add func(...driver.Value) error) error {
			for k := range rep.Findings {
				f := &rep.Findings[k]
				if err := add(run.ID, f.Check, string(f.Severity), f.SubjectType, f.SubjectID, f.RelatedType, f.RelatedID,
					f.Confidence, f.Evidence, f.NextStep); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Append("metrics", func(add func(...driver.Value) error) error {
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
	})
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
