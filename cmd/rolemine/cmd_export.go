package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"rolemine/datasets"
	"rolemine/datasets/export"
	"rolemine/mining"
)

type exportOptions struct {
	DB       string
	Format   string
	What     string
	Out      string
	Run      int64
	MaxCells int
}

func (o *exportOptions) AddFlags(fs *pflag.FlagSet) {
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Format, "format", "", "scim (roles only) | csv | jsonl (decisions and findings); partitions need none")
	fs.StringVar(&o.What, "what", "", "roles | decisions | findings | partitions")
	fs.StringVar(&o.Out, "out", "", "directory to write into (created)")
	fs.Int64Var(&o.Run, "run", 0, "run to export (default: the newest successful mine, triage or hygiene run)")
	fs.IntVar(&o.MaxCells, "max-cells", mining.DefaultPartitionOptions.MaxCells, "partitions: most assignments of a partition packing several connected blocks")
}

func exportCommand() *command {
	var o exportOptions
	return &command{
		name: "export", args: "--what roles|decisions|findings|partitions [--format scim|csv|jsonl] --out DIR [flags]",
		short: "write roles, decisions or findings in the shapes identity platforms import (or partitions for distributed mining)",
		long: `Writes the results of one run, read from the database (opened read-only):

  --what roles --format scim     one SCIM 2.0 Group per role (DIR/R0001.json …),
                                 with the rolemine role extension, and the
                                 extension's schema; ready to POST to /Groups
  --what roles --format csv      DIR/roles.csv, one row per role and application,
                                 and DIR/role_members.csv, for role imports
  --what decisions --format jsonl  DIR/decisions.jsonl, one event per decision
  --what decisions --format csv    DIR/decisions.csv, for a ticketing import
  --what findings --format jsonl|csv  DIR/findings.jsonl or DIR/findings.csv
  --what partitions               the current snapshot's assignments split into
                                   partitions of connected blocks (at most
                                   --max-cells assignments when packing several):
                                   DIR/partition=000001/assignments.parquet …
                                   and DIR/manifest.json, for mining/beam

The run is the newest successful mine (roles), triage (decisions) or
hygiene (findings) run unless --run names one. Partitions are of the current
snapshot and take no --format or --run.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("export"); o = exportOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runExport(ctx, e, o, args) },
	}
}

// exportCommands maps --what to the command whose runs it exports.
var exportCommands = map[string]string{"roles": "mine", "decisions": "triage", "findings": "hygiene"}

func (o exportOptions) check(args []string) error {
	switch {
	case len(args) > 0:
		return usagef("export: unexpected arguments %q", args)
	case o.Out == "":
		return usagef("export: give --out DIR")
	case o.What == "partitions":
		return o.checkPartitions()
	case exportCommands[o.What] == "":
		return usagef("export: --what %q: want roles, decisions or findings", o.What)
	case !slices.Contains([]string{"scim", "csv", "jsonl"}, o.Format):
		return usagef("export: --format %q: want scim, csv or jsonl", o.Format)
	case o.Format == "scim" && o.What != "roles":
		return usagef("export: --format scim exports roles only (decisions and findings: jsonl or csv)")
	case o.Format == "jsonl" && o.What == "roles":
		return usagef("export: roles export as scim or csv")
	}
	return nil
}

func runExport(ctx context.Context, e *env, o exportOptions, args []string) error {
	if err := o.check(args); err != nil {
		return err
	}
	if o.What == "partitions" {
		return exportPartitions(ctx, e, o)
	}
	store, err := openReadOnly(ctx, "export", o.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	run, err := o.run(ctx, store)
	if err != nil {
		return err
	}
	files, err := o.write(ctx, store, run)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "exported %s of run %d as %s: %d files in %s\n", o.What, run, o.Format, len(files), o.Out)
	return nil
}

// run is the run to export: --run, checked to be of the right command, or
// the newest successful one.
func (o exportOptions) run(ctx context.Context, store *datasets.Store) (int64, error) {
	cmd := exportCommands[o.What]
	if o.Run == 0 {
		id, ok, err := store.LatestRun(ctx, cmd)
		if err == nil && !ok {
			err = fmt.Errorf("export: no successful %s run in %s: run rolemine %s first", cmd, o.DB, cmd)
		}
		return id, err
	}
	var got string
	err := store.DB().QueryRowContext(ctx, "SELECT command FROM runs WHERE run_id = ?", o.Run).Scan(&got)
	if err != nil || got != cmd {
		return 0, fmt.Errorf("export: run %d is not a %s run (%s holds %s)", o.Run, cmd, o.DB, exportRunNoun(got))
	}
	return o.Run, nil
}

func exportRunNoun(s string) string {
	if s == "" {
		return "no such run"
	}
	return "a " + s + " run"
}

func (o exportOptions) write(ctx context.Context, store *datasets.Store, run int64) ([]string, error) {
	db := store.DB()
	switch o.What {
	case "roles":
		roles, err := export.ReadRoles(ctx, db, run)
		if err != nil {
			return nil, err
		}
		if o.Format == "scim" {
			return export.WriteSCIMRoles(o.Out, roles)
		}
		return export.WriteRoleCSV(o.Out, roles)
	case "decisions":
		ds, err := export.ReadDecisions(ctx, db, run)
		if err != nil {
			return nil, err
		}
		if o.Format == "jsonl" {
			return one(export.WriteJSONL(filepath.Join(o.Out, "decisions.jsonl"), ds))
		}
		return one(export.WriteDecisionCSV(filepath.Join(o.Out, "decisions.csv"), ds))
	}
	fs, err := export.ReadFindings(ctx, db, run)
	if err != nil {
		return nil, err
	}
	if o.Format == "jsonl" {
		return one(export.WriteJSONL(filepath.Join(o.Out, "findings.jsonl"), fs))
	}
	return one(export.WriteFindingCSV(filepath.Join(o.Out, "findings.csv"), fs))
}

func one(file string, err error) ([]string, error) { return []string{file}, err }

func (o exportOptions) checkPartitions() error {
	switch {
	case o.Format != "" && o.Format != "parquet":
		return usagef("export: partitions are written as parquet, not %q", o.Format)
	case o.Run != 0:
		return usagef("export: partitions are of the current snapshot: --run does not apply")
	case o.MaxCells < 1:
		return usagef("export: --max-cells must be at least 1")
	}
	return nil
}

// exportPartitions writes the current snapshot's partitions (see
// mining.Partitions) as Parquet files with a manifest. The matrix is read
// through a read-only store; the files are written by a private in-memory
// database attaching the store read-only, because a read-only store may
// write no files. Either way the database is not changed.
func exportPartitions(ctx context.Context, e *env, o exportOptions) error {
	store, err := openReadOnly(ctx, "export", o.DB)
	if err != nil {
		return err
	}
	snapshot, err := store.LatestSnapshot(ctx)
	if err != nil {
		store.Close()
		return err
	}
	m, err := loadMatrix(ctx, store)
	store.Close()
	if err != nil {
		return err
	}
	exp := export.PartitionExport{From: "snap.current_assignments", Snapshot: snapshot}
	for _, p := range mining.Partitions(m, mining.PartitionOptions{MaxCells: o.MaxCells}) {
		ents := make([]string, len(p.Cols))
		for k, j := range p.Cols {
			ents[k] = m.ColID(int(j))
		}
		exp.Partitions = append(exp.Partitions, export.Partition{ID: p.ID, Entitlements: ents})
	}
	mem, err := datasets.Open(ctx, "")
	if err != nil {
		return err
	}
	defer mem.Close()
	attach := fmt.Sprintf("ATTACH '%s' AS snap (READ_ONLY)", strings.ReplaceAll(o.DB, "'", "''"))
	if _, err := mem.DB().ExecContext(ctx, attach); err != nil {
		return fmt.Errorf("export: attach %s: %w", o.DB, err)
	}
	man, err := export.WritePartitions(ctx, mem.DB(), o.Out, exp)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "exported %d partitions of snapshot %d (%d assignments) as parquet to %s; manifest %s\n",
		len(man.Partitions), snapshot, m.NNZ(), o.Out, filepath.Join(o.Out, export.PartitionManifestFile))
	return nil
}
