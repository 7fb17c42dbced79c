package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"rolemine/datasets"
)

type ingestOptions struct {
	DB             string
	Table          string
	Format         string
	Map            []string
	MapFile        string
	ApprovedValues []string
	DeniedValues   []string
	MaxErrors      int
	Note           string
}

func (o *ingestOptions) AddFlags(fs *pflag.FlagSet) {
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Table, "table", "", "canonical table to load FILEs into (default: from each file's name)")
	fs.StringVar(&o.Format, "format", "", "file format: csv|tsv|parquet|jsonl|scim|pairs, or an export: entra|okta|scim (default: from the file name)")
	fs.StringArrayVar(&o.Map, "map", nil, "take canonical column from a source column: canonical=source (repeatable; overrides --map-file)")
	fs.StringVar(&o.MapFile, "map-file", "", "read the table and column mapping of the FILEs from a mapping file (see the README)")
	fs.StringSliceVar(&o.ApprovedValues, "approved-values", nil, "decision values meaning approved, e.g. 1")
	fs.StringSliceVar(&o.DeniedValues, "denied-values", nil, "decision values meaning denied, e.g. 0")
	fs.IntVar(&o.MaxErrors, "max-errors", datasets.DefaultIngestOptions.MaxErrors, "bad rows to set aside in the rejects table before the load fails")
	fs.StringVar(&o.Note, "note", "", "note stored with the snapshot")
}

func ingestCommand() *command {
	var o ingestOptions
	return &command{
		name: "ingest", args: "[flags] DIR | FILE...",
		short: "load files into a new snapshot of the database",
		long: `Loads a directory of canonical files (identities.csv, assignments.parquet, …)
or the given FILEs into one new snapshot, in one transaction: a load that fails
leaves the database exactly as it was. Bad rows fail the load with a message
naming file, line and column, unless --max-errors allows setting them aside.

With --format entra, okta or scim, the DIRs and FILEs are one export of that
platform's API (JSON pages, see the README): its users, groups, applications
and memberships load together as identities, accounts, entitlements and
assignments. Fields the canonical schema has no place for are reported.

--map-file names a mapping file written once per kind of source (an IGA's
identity or entitlement export): lines 'table = identities' and
'canonical_column = Source Column', comments with #, and for requests
'approved-values = V,…' and 'denied-values = V,…'. --table, --map,
--approved-values and --denied-values override its settings, each override
reported on stderr.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("ingest"); o = ingestOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runIngest(ctx, e, o, args) },
	}
}

func runIngest(ctx context.Context, e *env, o ingestOptions, args []string) error {
	m, notes, err := o.mapping()
	if err != nil {
		return err
	}
	sources, err := o.sources(args, m)
	if err != nil {
		return err
	}
	for _, n := range notes {
		e.logf("note: %s", n)
	}
	store, err := datasets.Open(ctx, o.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	opts := datasets.DefaultIngestOptions
	opts.MaxErrors, opts.Note = o.MaxErrors, o.Note
	var rep *datasets.IngestReport
	err = e.run("loading", func() (err error) {
		rep, err = store.Ingest(ctx, sources, opts)
		return err
	})
	if err != nil {
		return m.Explain(err)
	}
	printIngestReport(e, rep)
	return nil
}

// mapping merges the mapping file, if any, with the flags that override
// it, and returns notes naming each override.
func (o ingestOptions) mapping() (datasets.Mapping, []string, error) {
	flags := datasets.Mapping{Table: o.Table, ApprovedValues: o.ApprovedValues, DeniedValues: o.DeniedValues}
	for _, m := range o.Map {
		canon, src, ok := strings.Cut(m, "=")
		canon, src = strings.ToLower(strings.TrimSpace(canon)), strings.TrimSpace(src)
		if !ok || canon == "" || src == "" {
			return datasets.Mapping{}, nil, usagef("ingest: --map %q: want canonical=source", m)
		}
		if flags.Columns == nil {
			flags.Columns = map[string]string{}
		}
		flags.Columns[canon] = src
	}
	if o.MapFile == "" {
		if err := flags.Check(); err != nil {
			return datasets.Mapping{}, nil, usageError{"ingest: " + err.Error()}
		}
		return flags, nil, nil
	}
	file, err := datasets.ReadMappingFile(o.MapFile)
	if err != nil {
		return datasets.Mapping{}, nil, err
	}
	m, notes := file.Override(flags)
	return m, notes, m.Check()
}

// sources turns the positional arguments into load sources, each loaded
// with mapping m.
func (o ingestOptions) sources(args []string, m datasets.Mapping) ([]datasets.Source, error) {
	if len(args) == 0 {
		return nil, usagef("ingest: give a directory of canonical files or FILEs to load")
	}
	format, err := datasets.ParseFormat(o.Format)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	mapped := o.Table != "" || o.MapFile != "" || len(o.Map) > 0 || len(o.ApprovedValues) > 0 || len(o.DeniedValues) > 0
	if format.IsExport() {
		if mapped {
			return nil, usagef("ingest: --format %s reads a whole export: --table, --map, --map-file and the value flags do not apply", format)
		}
		return datasets.ExportSources(args, format)
	}
	if len(args) == 1 && !mapped && format == datasets.FormatAuto {
		if fi, err := os.Stat(args[0]); err == nil && fi.IsDir() {
			return datasets.SourcesInDir(args[0])
		}
	}
	var sources []datasets.Source
	for _, a := range args {
		if fi, err := os.Stat(a); err != nil {
			return nil, err
		} else if fi.IsDir() {
			return nil, usagef("ingest: %s is a directory: load a directory alone, without --table, --format, --map or --map-file", a)
		}
		sources = append(sources, m.Source(a, format))
	}
	return sources, nil
}

func printIngestReport(e *env, rep *datasets.IngestReport) {
	if rep.Reused {
		fmt.Fprintf(e.stdout, "snapshot %d already holds these files; nothing loaded\n", rep.SnapshotID)
		return
	}
	fmt.Fprintf(e.stdout, "snapshot %d\n", rep.SnapshotID)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\tfile\tread\tloaded\trejected\tduplicates\t")
	for _, f := range rep.Files {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t\n", f.Table, filepath.Base(f.File), f.RowsRead, f.RowsLoaded, f.Rejected, f.Duplicates)
	}
	tw.Flush()
	for _, f := range rep.Files {
		if f.ReusedFrom != 0 {
			fmt.Fprintf(e.stdout, "%s: unchanged since snapshot %d (same content and options): its rows stand, nothing read\n", f.File, f.ReusedFrom)
			continue
		}
		if len(f.Attributes) > 0 {
			fmt.Fprintf(e.stdout, "%s: kept as attributes: %s\n", f.File, strings.Join(f.Attributes, ", "))
		}
		if f.PendingNoCol {
			fmt.Fprintf(e.stdout, "%s: no decision column: every request is pending\n", f.File)
		}
	}
	for _, w := range rep.Warnings {
		e.logf("warning: %s", w)
	}
}
