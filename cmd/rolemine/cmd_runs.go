package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
)

type runsOptions struct {
	DB    string
	Limit int
}

func (o *runsOptions) AddFlags(fs *pflag.FlagSet) {
	dbFlag(fs, &o.DB)
	fs.IntVar(&o.Limit, "limit", 20, "show the newest N batches and runs")
}

func runsCommand() *command {
	var o runsOptions
	return &command{
		name: "runs", args: "[flags]",
		short: "list the nightly batches and the runs of every command",
		long: `Lists the nightly batches (rolemine run), newest first, with their status,
attempts and the run of each stage, then the newest runs of every command.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("runs"); o = runsOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runRuns(ctx, e, o, args) },
	}
}

func runRuns(ctx context.Context, e *env, o runsOptions, args []string) error {
	if len(args) > 0 || o.Limit < 1 {
		return usagef("runs: unexpected arguments %q or --limit below 1", args)
	}
	store, err := openReadOnly(ctx, "runs", o.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := printBatches(ctx, e, store.DB(), o.Limit); err != nil {
		return err
	}
	return printRuns(ctx, e, store.DB(), o.Limit)
}

func printBatches(ctx context.Context, e *env, db *sql.DB, limit int) error {
	rows, err := db.QueryContext(ctx, `SELECT b.batch_id, b.night, b.status, b.attempts, b.started_at, b.finished_at, coalesce(b.message, ''),
			coalesce((SELECT string_agg(r.command || ' ' || r.run_id, ', ' ORDER BY r.run_id) FROM runs r WHERE r.batch_id = b.batch_id), '')
		FROM batches b ORDER BY b.started_at DESC LIMIT ?`, limit)
	if err != nil {
		return err
	}
	defer rows.Close()
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "batch\tnight\tstatus\tattempts\tstarted\ttook\tstage runs")
	n := 0
	for rows.Next() {
		var id, night, status, message, stages string
		var attempts int64
		var started time.Time
		var finished sql.NullTime
		if err := rows.Scan(&id, &night, &status, &attempts, &started, &finished, &message, &stages); err != nil {
			return err
		}
		took := "-"
		if finished.Valid {
			took = finished.Time.Sub(started).Round(time.Second).String()
		}
		if message != "" {
			stages += " — " + message
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", id, night, status, attempts, started.Format("2006-01-02 15:04:05"), took, stages)
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(e.stdout, "no nightly batches yet (rolemine run)")
		return nil
	}
	return tw.Flush()
}

func printRuns(ctx context.Context, e *env, db *sql.DB, limit int) error {
	rows, err := db.QueryContext(ctx, `SELECT run_id, command, coalesce(snapshot_id, 0), coalesce(batch_id, ''), started_at, finished_at, status
		FROM runs ORDER BY run_id DESC LIMIT ?`, limit)
	if err != nil {
		return err
	}
	defer rows.Close()
	fmt.Fprintln(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tcommand\tsnapshot\tbatch\tstarted\ttook\tstatus")
	for rows.Next() {
		var id, snapshot int64
		var command, batch, status string
		var started, finished time.Time
		if err := rows.Scan(&id, &command, &snapshot, &batch, &started, &finished, &status); err != nil {
			return err
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\n", id, command, snapshot, strings.TrimSpace(batch),
			started.Format("2006-01-02 15:04:05"), finished.Sub(started).Round(time.Millisecond), status)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return tw.Flush()
}
