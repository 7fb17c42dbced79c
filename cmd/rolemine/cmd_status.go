package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"rolemine/datasets/schema"
)

type statusOptions struct {
	DB string
}

func (o *statusOptions) AddFlags(fs *pflag.FlagSet) { dbFlag(fs, &o.DB) }

func statusCommand() *command {
	var o statusOptions
	return &command{
		name: "status", args: "[flags]",
		short: "summarise what the database holds",
		long:  "Prints the snapshots and the current row counts of every canonical table, with rejects and load warnings.",
		flags: func() *pflag.FlagSet { fs := newFlagSet("status"); o = statusOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runStatus(ctx, e, o) },
	}
}

func runStatus(ctx context.Context, e *env, o statusOptions) error {
	store, err := openReadOnly(ctx, "status", o.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	snap, err := store.LatestSnapshot(ctx)
	if err != nil {
		return err
	}
	if snap == 0 {
		fmt.Fprintf(e.stdout, "%s: empty (run rolemine ingest)\n", o.DB)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: latest snapshot %d\n", o.DB, snap)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\tcurrent rows\t")
	for _, t := range schema.Canonical() {
		n, err := store.Count(ctx, t.Name)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%d\t\n", t.Name, n)
	}
	tw.Flush()
	var rejects, warnings int64
	db := store.DB()
	if err := db.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM rejects), (SELECT count(*) FROM load_warnings)").Scan(&rejects, &warnings); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "rejected rows kept: %d; load warnings: %d\n", rejects, warnings)
	return nil
}
