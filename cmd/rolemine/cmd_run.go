package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"rolemine/datasets"
	"rolemine/eval/policy"
)

type runOptions struct {
	Config    string
	DB        string
	Input     string
	Out       string
	AsOf      string
	RefitDays int
	With      []string // optional stages to run too

	flags *pflag.FlagSet // the flag set bound to these options
}

func (o *runOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Config, "config", "", "batch configuration file: top-level keys are these flags, [stage] sections that stage's flags")
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Input, "input", "", "directory of the night's extracts, files named after tables (required)")
	fs.StringVar(&o.Out, "out", "", "directory for the batches' outputs, the policies, the latest link and the latest decisions.csv and report.html (required)")
	fs.StringVar(&o.AsOf, "as-of", "", "the batch's time, RFC 3339 or YYYY-MM-DD (default now; a resumed batch keeps its own)")
	fs.IntVar(&o.RefitDays, "refit-days", 7, "evaluate again and write a new policy when the current one is this many days old; mine's generalisation and review's replay are measured again as often")
	fs.StringSliceVar(&o.With, "with", nil, "optional stages to run too, before the report: "+strings.Join(optionalStages, ", ")+" (both share one load of the snapshot)")
	o.flags = fs
}

func runCommand() *command {
	var o runOptions
	return &command{
		name: "run", args: "--input DIR --out DIR [flags]",
		short: "the nightly batch: ingest, mine, evaluate when due, triage, outcomes, [hygiene, review,] report",
		long: `Runs the night's stages in order: ingest the extracts in --input (files named
after tables; outcome files too), mine roles (ids stay stable across nights),
evaluate and write a new policy when the current one is missing, expires within
a day or is --refit-days old, triage the pending requests, judge outcomes (the
circuit breaker), and write the report. --with hygiene,review adds the identity
hygiene checks and the certification packets before the report (into
OUT/batches/NIGHT-ID/hygiene and review; ages are measured, as when they are run
by hand, from the newest timestamp in the data unless their section sets as-of);
review then reads the snapshot hygiene loaded, and its findings, instead of
loading it again. Mine's generalisation and review's replay measure the methods,
not the night's data: each is measured again once the last measure is
--refit-days old or the stage's parameters changed (the replay also when the
past campaigns did), and shown, with the run that measured it, in between.

A batch is identified by its inputs, its configuration and --as-of when given:
rerunning the same night's batch does nothing once it is complete, and after a failure, a crash or
a kill it resumes at the first stage not done (each stage's results commit
atomically with its run record). A lock on the database keeps two batches from
running at once. Outputs go to OUT/batches/NIGHT-ID/; OUT/latest points to the
last complete batch, and OUT/decisions.csv (the triage decisions) and
OUT/report.html are copies of its; all three change only when every stage
succeeded, each atomically, so a failed night leaves the previous night's
outputs in place. The exit status is 0 only when
every stage succeeded. rolemine runs lists the history.

The --config file sets these flags at top level (db = ..., input = ...) and any
stage's own flags in a [stage] section ([evaluate] target-precision = 0.99);
flags given on the command line win.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("run"); o = runOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runBatch(ctx, e, &o, args) },
	}
}

// batchStages are the stages of a nightly batch, in order; those of
// optionalStages run only when --with names them.
var batchStages = []string{"ingest", "mine", "evaluate", "triage", "outcomes", "hygiene", "review", "report"}

// optionalStages are the stages --with may add.
var optionalStages = []string{"hygiene", "review"}

// releasingStages are the stages whose memory is mostly DuckDB's, which
// cannot use what the Go heap keeps: before them the Go heap returns to the
// system what earlier stages freed. Before the others it keeps it, for a
// stage that touches memory the system must map first pays a page fault
// per 4 KiB page: a following night at a million identities took 14.8 M
// of them and 190 s of system time when every stage started from a
// released heap, 11.5 M and 152 s when only these did.
var releasingStages = []string{"ingest", "report"}

// stages returns the stages the batch runs, in order.
func (o *runOptions) stages() []string {
	return slices.DeleteFunc(slices.Clone(batchStages), func(s string) bool {
		return slices.Contains(optionalStages, s) && !slices.Contains(o.With, s)
	})
}

// reservedFlags are set by the batch itself and may not be set in a stage
// section.
var reservedFlags = []string{"db", "out", "policy", "policy-out", "input"}

// batch is one nightly batch being run.
type batch struct {
	opts   runOptions
	cfg    *runConfig
	id     string
	night  string
	asOf   time.Time
	dir    string // OUT/batches/NIGHT-ID
	inputs string // the inputs' names and digests, for the record
	dbID   string // the database's id, which policies must match
}

// withStore opens the database for fn and closes it after: between
// stages, which open it themselves, the batch holds it only briefly.
func (b *batch) withStore(ctx context.Context, fn func(*datasets.Store) error) error {
	store, err := datasets.Open(ctx, b.opts.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(store)
}

func runBatch(ctx context.Context, e *env, o *runOptions, args []string) error {
	if len(args) > 0 {
		return usagef("run: unexpected arguments %q", args)
	}
	cfg, err := o.applyConfig()
	if err != nil {
		return err
	}
	if o.Input == "" || o.Out == "" || o.RefitDays < 1 {
		return usagef("run: give --input DIR and --out DIR (or set them in --config); --refit-days at least 1")
	}
	for _, s := range o.With {
		if !slices.Contains(optionalStages, s) {
			return usagef("run: --with %q: the optional stages are %s", s, strings.Join(optionalStages, ", "))
		}
	}
	if err := os.MkdirAll(filepath.Dir(o.DB), 0o755); err != nil {
		return err
	}
	lock, err := acquireLock(o.DB + ".lock")
	if err != nil {
		return err
	}
	defer lock.release()
	b, err := newBatch(*o, cfg)
	if err != nil {
		return err
	}
	complete, err := b.begin(ctx, e)
	if err != nil || complete {
		return err
	}
	be := *e
	be.batch = batchInfo{ID: b.id, AsOf: b.asOf, PolicyDir: filepath.Join(o.Out, "policies"), Signals: &signalCache{}}
	if slices.Contains(o.With, "hygiene") && slices.Contains(o.With, "review") {
		be.batch.Snapshot = &hygieneCache{}
	}
	for _, name := range o.stages() {
		resetPeakMemory(slices.Contains(releasingStages, name))
		start := time.Now()
		note, err := b.runStage(ctx, &be, name)
		if name != "mine" && name != "evaluate" {
			be.batch.Signals.drop() // evaluate and triage use what mine loaded, triage what evaluate built
		}
		if name != "hygiene" {
			be.batch.Snapshot.drop() // only review, next, uses what hygiene loaded
		}
		if err != nil {
			b.end(context.WithoutCancel(ctx), "failed", fmt.Sprintf("stage %s: %v", name, err))
			return fmt.Errorf("batch %s: stage %s failed (previous outputs left in place): %w", b.id, name, err)
		}
		end := time.Now()
		if err := b.stampRun(ctx, name, start, end); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "== stage %s: %s (%.1f s%s)\n", name, note, end.Sub(start).Seconds(), stagePeak())
	}
	published, err := b.publish()
	if err != nil {
		return err
	}
	if err := b.end(ctx, "ok", ""); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "batch %s for %s complete: %s\n", b.id, b.night, b.dir)
	for _, p := range published {
		fmt.Fprintf(e.stdout, "%-10s %s\n", strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))+":", p)
	}
	return nil
}

// stagePeak describes the peak memory of the stage just run, when the
// system tells it.
func stagePeak() string {
	if peak, ok := peakMemory(); ok {
		return ", peak " + formatGiB(peak)
	}
	return ""
}

// stampRun records the times the batch measured around stage name on the
// run the stage recorded in this attempt, if it recorded one (evaluate
// when not due and report record none; a stage already done in an earlier
// attempt keeps its times).
func (b *batch) stampRun(ctx context.Context, name string, start, end time.Time) error {
	return b.withStore(ctx, func(store *datasets.Store) error {
		return store.Write(ctx, func(tx *datasets.Tx) error {
			var run sql.NullInt64
			if err := tx.QueryRow(`SELECT max(run_id) FROM runs WHERE batch_id = ? AND command = ? AND status = 'ok' AND started_at >= ?`,
				b.id, name, start.UTC().Truncate(time.Millisecond)).Scan(&run); err != nil || !run.Valid {
				return err
			}
			return tx.SetRunTimes(run.Int64, start, end)
		})
	})
}

// applyConfig reads --config, sets the top-level flags not given on the
// command line, and checks the stage sections.
func (o *runOptions) applyConfig() (*runConfig, error) {
	if o.Config == "" {
		return &runConfig{sections: map[string][]setting{}}, nil
	}
	cfg, err := readRunConfig(o.Config, batchStages)
	if err != nil {
		return nil, err
	}
	for _, s := range cfg.top {
		switch {
		case s.key == "config" || o.flags.Lookup(s.key) == nil:
			return nil, fmt.Errorf("%s:%d: unknown setting %q", o.Config, s.line, s.key)
		case o.flags.Changed(s.key): // the command line wins
		default:
			if err := o.flags.Set(s.key, s.value); err != nil {
				return nil, fmt.Errorf("%s:%d: %s: %v", o.Config, s.line, s.key, err)
			}
		}
	}
	for stage, settings := range cfg.sections {
		for _, s := range settings {
			if slices.Contains(reservedFlags, s.key) {
				return nil, fmt.Errorf("%s:%d: [%s] %s is set by rolemine run", o.Config, s.line, stage, s.key)
			}
		}
	}
	return cfg, nil
}

// newBatch identifies the batch by its inputs, its configuration and
// --as-of when given (so two nights with identical extracts are two
// batches when the scheduler names the night).
func newBatch(o runOptions, cfg *runConfig) (*batch, error) {
	entries, err := os.ReadDir(o.Input)
	if err != nil {
		return nil, fmt.Errorf("run: input: %w", err)
	}
	h := sha256.New()
	var inputs []string
	for _, en := range entries {
		if en.IsDir() {
			continue
		}
		sum, err := fileDigest(filepath.Join(o.Input, en.Name()))
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, en.Name()+" "+sum)
		fmt.Fprintln(h, en.Name(), sum)
	}
	if len(inputs) == 0 {
		return nil, fmt.Errorf("run: %s holds no extracts", o.Input)
	}
	fmt.Fprintln(h, "refit-days", o.RefitDays, "as-of", o.AsOf)
	for _, stage := range o.stages() {
		fmt.Fprintln(h, stage, cfg.args(stage))
	}
	return &batch{opts: o, cfg: cfg, id: hex.EncodeToString(h.Sum(nil))[:12], inputs: strings.Join(inputs, "\n")}, nil
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// begin records the batch, or finds it: complete is true when it already
// finished, and a batch that failed or was killed resumes with its own
// clock.
func (b *batch) begin(ctx context.Context, e *env) (complete bool, err error) {
	store, err := datasets.Open(ctx, b.opts.DB)
	if err != nil {
		return false, err
	}
	defer store.Close()
	if b.dbID, err = store.DatabaseID(ctx); err != nil {
		return false, err
	}
	var status string
	var asOf time.Time
	var attempts int64
	err = store.DB().QueryRowContext(ctx, `SELECT status, as_of, attempts FROM batches WHERE batch_id = ?`, b.id).Scan(&status, &asOf, &attempts)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		b.asOf = time.Now().UTC().Truncate(time.Second)
		if b.opts.AsOf != "" {
			at, err := parseAsOf(b.opts.AsOf)
			if err != nil {
				return false, err
			}
			b.asOf = time.Unix(at, 0).UTC()
		}
	case err != nil:
		return false, err
	case status == "ok":
		fmt.Fprintf(e.stdout, "batch %s for %s is already complete; nothing to do\n", b.id, asOf.Format(time.DateOnly))
		return true, nil
	default:
		b.asOf = asOf.UTC()
		e.logf("resuming batch %s (%s, attempt %d)", b.id, status, attempts+1)
	}
	b.night = b.asOf.Format(time.DateOnly)
	b.dir = filepath.Join(b.opts.Out, "batches", b.night+"-"+b.id)
	if err := os.MkdirAll(filepath.Join(b.opts.Out, "policies"), 0o755); err != nil {
		return false, err
	}
	return false, store.Write(ctx, func(tx *datasets.Tx) error {
		if attempts == 0 {
			return tx.Exec(`INSERT INTO batches VALUES (?, ?, ?, ?, NULL, 'running', '', '', 1, ?, ?)`,
				b.id, b.night, b.asOf, time.Now().UTC(), b.inputs, b.dir)
		}
		return tx.Exec(`UPDATE batches SET status = 'running', message = '', attempts = attempts + 1 WHERE batch_id = ?`, b.id)
	})
}

// end records the batch's final status.
func (b *batch) end(ctx context.Context, status, message string) error {
	return b.withStore(ctx, func(store *datasets.Store) error {
		return store.Write(ctx, func(tx *datasets.Tx) error {
			return tx.Exec(`UPDATE batches SET status = ?, message = ?, finished_at = ? WHERE batch_id = ?`,
				status, message, time.Now().UTC(), b.id)
		})
	})
}

// publishedFiles are the outputs of the latest complete batch that
// publish also puts at the top of OUT, by their paths in the batch's
// directory.
var publishedFiles = []string{filepath.Join("triage", "decisions.csv"), "report.html"}

// publish points OUT/latest at the batch's directory, and replaces
// OUT/decisions.csv and OUT/report.html with copies of the batch's, each
// atomically. It returns the paths of the copies.
func (b *batch) publish() ([]string, error) {
	rel, err := filepath.Rel(b.opts.Out, b.dir)
	if err != nil {
		return nil, err
	}
	tmp := filepath.Join(b.opts.Out, "latest.tmp")
	os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(b.opts.Out, "latest")); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range publishedFiles {
		dst := filepath.Join(b.opts.Out, filepath.Base(f))
		if err := copyFileAtomic(filepath.Join(b.dir, f), dst); err != nil {
			return nil, fmt.Errorf("publish batch %s: %w", b.id, err)
		}
		paths = append(paths, dst)
	}
	return paths, nil
}

// copyFileAtomic copies src to dst through a temporary file in dst's
// directory renamed over dst, so that dst is always whole: the old file or
// the new one.
func copyFileAtomic(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, in); err != nil {
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// runStage runs one stage unless the batch already did it, and says what
// happened.
func (b *batch) runStage(ctx context.Context, e *env, name string) (string, error) {
	if name != "report" {
		if run, ok, err := b.stageRun(ctx, name); err != nil || ok {
			return fmt.Sprintf("already done in run %d", run), err
		}
	}
	db := []string{"--db", b.opts.DB}
	out := func(sub string) []string { return []string{"--out", filepath.Join(b.dir, sub)} }
	switch name {
	case "ingest":
		return b.ingest(ctx, e)
	case "mine":
		return "ok", invoke(ctx, e, "mine", b.measureAgeFlag("generalisation"), b.cfg.args("mine"), db, out("roles"))
	case "evaluate":
		due, why, err := b.policyDue(ctx)
		if err != nil || !due {
			return why, err
		}
		e.logf("evaluating: %s", why)
		return "ok: " + why, invoke(ctx, e, "evaluate", b.cfg.args("evaluate"), db, out("evaluation"))
	case "triage", "outcomes":
		pol, err := b.currentPolicy(ctx)
		if err != nil {
			return "", err
		}
		return "ok", invoke(ctx, e, name, b.cfg.args(name), db, out(name), []string{"--policy", pol})
	case "hygiene":
		return "ok", invoke(ctx, e, name, b.cfg.args(name), db, out(name))
	case "review":
		return "ok", invoke(ctx, e, name, b.measureAgeFlag("replay"), b.cfg.args(name), db, out(name))
	case "report":
		if err := os.MkdirAll(b.dir, 0o755); err != nil {
			return "", err
		}
		return "ok", invoke(ctx, e, "report", b.cfg.args("report"), db, []string{"--out", filepath.Join(b.dir, "report.html")})
	}
	panic("rolemine: unknown stage " + name)
}

// measureAgeFlag is the flag that lets a stage take over its method
// measure (see earlierMeasure) while it is younger than the policy may be:
// measure names it, generalisation or replay. It comes before the stage's
// section of the configuration, which may set another age.
func (b *batch) measureAgeFlag(measure string) []string {
	return []string{fmt.Sprintf("--%s-days=%d", measure, b.opts.RefitDays)}
}

// invoke runs command name as from the command line, with the argument
// groups joined in order (the batch's own flags last, so they win).
func invoke(ctx context.Context, e *env, name string, groups ...[]string) error {
	c, ok := lookup(name)
	if !ok {
		return fmt.Errorf("no command %s", name)
	}
	fs := c.flags()
	if err := fs.Parse(slices.Concat(groups...)); err != nil {
		return usagef("[%s]: %v", name, err)
	}
	ce := *e
	ce.flags = fs
	return c.run(ctx, &ce, fs.Args())
}

// stageRun returns the run that did the stage in this batch.
func (b *batch) stageRun(ctx context.Context, name string) (int64, bool, error) {
	var run sql.NullInt64
	err := b.withStore(ctx, func(store *datasets.Store) error {
		return store.DB().QueryRowContext(ctx, `SELECT max(run_id) FROM runs WHERE batch_id = ? AND command = ? AND status = 'ok'`,
			b.id, name).Scan(&run)
	})
	return run.Int64, run.Valid, err
}

// ingest loads the night's extracts and records the stage's run.
func (b *batch) ingest(ctx context.Context, e *env) (string, error) {
	start := time.Now().UTC()
	o := ingestOptions{}
	fs := newFlagSet("ingest")
	o.AddFlags(fs)
	if err := fs.Parse(append(b.cfg.args("ingest"), "--db", b.opts.DB)); err != nil {
		return "", usagef("[ingest]: %v", err)
	}
	sources, err := datasets.SourcesInDir(b.opts.Input)
	if err != nil {
		return "", err
	}
	store, err := datasets.Open(ctx, b.opts.DB)
	if err != nil {
		return "", err
	}
	defer store.Close()
	opts := datasets.DefaultIngestOptions
	opts.MaxErrors, opts.Note = o.MaxErrors, "nightly batch "+b.id
	var rep *datasets.IngestReport
	if err := e.run("loading", func() (err error) { rep, err = store.Ingest(ctx, sources, opts); return err }); err != nil {
		return "", err
	}
	printIngestReport(e, rep)
	params := runParameters(fs)
	params["input"] = b.opts.Input
	run := &datasets.Run{Command: "ingest", SnapshotID: rep.SnapshotID, StartedAt: start, Parameters: params, Batch: b.id}
	summary := map[string]any{"snapshot_id": rep.SnapshotID, "reused": rep.Reused, "files": len(rep.Files), "warnings": rep.Warnings}
	if err := store.Write(ctx, func(tx *datasets.Tx) error { return tx.RecordRun(run, summary) }); err != nil {
		return "", err
	}
	return fmt.Sprintf("snapshot %d", rep.SnapshotID), nil
}

// currentPolicy returns the file of the policy of the latest evaluate run.
func (b *batch) currentPolicy(ctx context.Context) (string, error) {
	id, err := b.latestPolicyID(ctx)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", errors.New("no policy: no evaluate run has written one")
	}
	return filepath.Join(b.opts.Out, "policies", id+".json"), nil
}

func (b *batch) latestPolicyID(ctx context.Context) (string, error) {
	var id sql.NullString
	err := b.withStore(ctx, func(store *datasets.Store) error {
		return store.DB().QueryRowContext(ctx, `SELECT json_extract_string(summary, '$.policy_id') FROM runs
			WHERE command = 'evaluate' AND status = 'ok' ORDER BY run_id DESC LIMIT 1`).Scan(&id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id.String, err
}

// policyDue says whether the batch must evaluate: no policy of this
// batch's output, or one that cannot serve tomorrow's triage, or one
// --refit-days old.
func (b *batch) policyDue(ctx context.Context) (bool, string, error) {
	id, err := b.latestPolicyID(ctx)
	if err != nil {
		return false, "", err
	}
	if id == "" {
		return true, "no policy yet", nil
	}
	path := filepath.Join(b.opts.Out, "policies", id+".json")
	pol, err := policy.Read(path)
	if err != nil {
		return true, fmt.Sprintf("the latest policy %s is not in %s", id, filepath.Dir(path)), nil
	}
	if err := pol.Check(b.asOf.Add(24*time.Hour), b.dbID); err != nil {
		return true, fmt.Sprintf("policy %s cannot serve the next day: %v", id, err), nil
	}
	if age := b.asOf.Sub(pol.CreatedAt); age >= time.Duration(b.opts.RefitDays)*24*time.Hour {
		return true, fmt.Sprintf("policy %s is %.0f days old", id, age.Hours()/24), nil
	}
	return false, fmt.Sprintf("not due: policy %s from %s", id, pol.CreatedAt.Format(time.DateOnly)), nil
}
