package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"rolemine/datasets"
	"rolemine/mining"
)

type mineOptions struct {
	DB        string
	Input     string
	Format    string
	Objective string
	Out       string
	Seed      uint64
}

func (o *mineOptions) AddFlags(fs *pflag.FlagSet) {
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Input, "input", "", "mine an assignment file directly instead of the database")
	fs.StringVar(&o.Format, "format", "", "format of --input: pairs|csv|tsv|parquet|jsonl (default: from the file name)")
	fs.StringVar(&o.Objective, "objective", "", "exact mining: roles (fewest roles) or wsc (lowest weighted structural complexity)")
	fs.StringVar(&o.Out, "out", "", "directory for roles.csv, role_entitlements.csv, role_members.csv, exceptions.csv, metrics.json")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed")
}

func mineCommand() *command {
	var o mineOptions
	return &command{
		name: "mine", args: "[flags]",
		short: "mine candidate roles from the identity × entitlement matrix",
		long: `Mines roles from the current assignments in the database (--db) or from one
assignment file (--input). With --objective the roles reproduce every identity's
access exactly, with the fewest roles (roles) or the lowest weighted structural
complexity (wsc), and a proven lower bound is reported beside the result.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("mine"); o = mineOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runMine(ctx, e, o, args) },
	}
}

func runMine(ctx context.Context, e *env, o mineOptions, args []string) error {
	if len(args) > 0 {
		return usagef("mine: unexpected arguments %q", args)
	}
	if o.Objective == "" {
		return usagef("mine: give --objective roles|wsc")
	}
	objective, err := mining.ParseObjective(o.Objective)
	if err != nil {
		return usageError{"mine: " + err.Error()}
	}
	store, snapshot, err := openMiningInput(ctx, o)
	if err != nil {
		return err
	}
	defer store.Close()
	m, err := loadMatrix(ctx, store)
	if err != nil {
		return err
	}
	start := time.Now()
	opts := mining.DefaultExactOptions
	opts.Objective = objective
	opts.Src = rand.NewPCG(o.Seed, o.Seed)
	var res *mining.Result
	err = e.run("mining", func() (err error) {
		res, err = mining.Exact(ctx, m, opts)
		return err
	})
	if err != nil {
		return err
	}
	out := newMiningOutput(m, res, time.Since(start))
	out.Parameters = map[string]any{"objective": objective.String(), "seed": o.Seed, "input": o.Input}
	out.print(e)
	if o.Out != "" {
		if err := out.writeFiles(o.Out); err != nil {
			return err
		}
		e.logf("wrote %s", filepath.Join(o.Out, "roles.csv"))
	}
	if o.Input != "" {
		return nil // the in-memory store of --input is not kept
	}
	return out.store(ctx, store, snapshot)
}

// openMiningInput opens the database, or an in-memory store holding the
// --input file as assignments.
func openMiningInput(ctx context.Context, o mineOptions) (*datasets.Store, int64, error) {
	if o.Input == "" {
		store, err := datasets.Open(ctx, o.DB)
		if err != nil {
			return nil, 0, err
		}
		snap, err := store.LatestSnapshot(ctx)
		if err == nil && snap == 0 {
			err = fmt.Errorf("%s holds no data: run rolemine ingest first", o.DB)
		}
		if err != nil {
			store.Close()
			return nil, 0, err
		}
		return store, snap, nil
	}
	format, err := datasets.ParseFormat(o.Format)
	if err != nil {
		return nil, 0, usageError{"mine: " + err.Error()}
	}
	store, err := datasets.Open(ctx, "")
	if err != nil {
		return nil, 0, err
	}
	rep, err := store.Ingest(ctx, []datasets.Source{{Path: o.Input, Table: "assignments", Format: format}}, datasets.DefaultIngestOptions)
	if err != nil {
		store.Close()
		return nil, 0, err
	}
	return store, rep.SnapshotID, nil
}
