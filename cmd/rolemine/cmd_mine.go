package main

import (
	"context"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/pflag"

	"rolemine/datasets"
	"rolemine/datasets/schema"
	"rolemine/features"
	"rolemine/mining"
)

type mineOptions struct {
	DB                 string
	Input              string
	Format             string
	Out                string
	Seed               uint64
	Objective          string
	Method             string
	Similarity         float64
	MinMembers         int
	MinEntitlements    int
	MaxRoles           int
	MaxParts           int
	MaxOverAssignment  float64
	Generalisation     bool
	GeneralisationDays int
}

func (o *mineOptions) AddFlags(fs *pflag.FlagSet) {
	d := mining.DefaultApproxOptions
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Input, "input", "", "mine an assignment file directly instead of the database")
	fs.StringVar(&o.Format, "format", "", "format of --input: pairs|csv|tsv|parquet|jsonl (default: from the file name)")
	fs.StringVar(&o.Out, "out", "", "directory for roles.csv, role_entitlements.csv, role_members.csv, exceptions.csv, role_changes.csv, metrics.json")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed")
	fs.StringVar(&o.Objective, "objective", "", "exact mining: roles (fewest roles) or wsc (lowest weighted structural complexity)")
	fs.StringVar(&o.Method, "method", d.Method.String(), "noise-tolerant mining: cluster (co-occurrence clusters) or asso (Boolean matrix factorisation)")
	fs.Float64Var(&o.Similarity, "similarity", d.Similarity, "cluster: least Jaccard similarity of two entitlements' holders to put them in one role")
	fs.IntVar(&o.MinMembers, "min-members", d.MinMembers, "least members of a role")
	fs.IntVar(&o.MinEntitlements, "min-entitlements", d.MinEntitlements, "least entitlements of a role")
	fs.IntVar(&o.MaxRoles, "max-roles", d.MaxRoles, "most roles to mine (0: no bound); the rest stays as exceptions")
	fs.IntVar(&o.MaxParts, "max-parts", d.MaxParts, "partial roles per role for identities holding most of it (-1: none)")
	fs.Float64Var(&o.MaxOverAssignment, "max-over-assignment", d.MaxOverAssignment, "largest share of a role a member may lack; every such grant is reported")
	fs.BoolVar(&o.Generalisation, "generalisation", true, "measure how well roles mined from 90% of the access predict the hidden 10%")
	fs.IntVar(&o.GeneralisationDays, "generalisation-days", 0, "take over the generalisation an earlier mine run measured with the same mining parameters when it is less than this many days old, instead of measuring again (0: measure in every run)")
}

func mineCommand() *command {
	var o mineOptions
	return &command{
		name: "mine", args: "[flags]",
		short: "mine candidate roles from the identity × entitlement matrix",
		long: `Mines roles from the current assignments in the database (--db) or from one
assignment file (--input), explains each by the attributes of its members, and
reports quality metrics.

Without --objective, noise-tolerant mining finds compact business roles and
leaves what they do not cover as explicit exceptions; nobody is granted
anything they do not hold unless --max-over-assignment allows it, and then every
such grant is listed. With --objective the roles reproduce every identity's
access exactly, with the fewest roles (roles) or the lowest weighted structural
complexity (wsc), and a proven lower bound is printed beside the result.

Role ids stay stable across runs on one database: each role is matched to
the roles of the previous mine run by the Jaccard similarity of their
entitlements (at least 0.5), keeps the id of the role it continues and is
reported unchanged or drifted; other roles are added with ids never issued
before, and previous roles without a successor are removed. The lineage is
stored in role_changes and written to role_changes.csv.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("mine"); o = mineOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runMine(ctx, e, o, args) },
	}
}

func runMine(ctx context.Context, e *env, o mineOptions, args []string) error {
	began := time.Now()
	if len(args) > 0 {
		return usagef("mine: unexpected arguments %q", args)
	}
	mr, params, err := o.miner()
	if err != nil {
		return err
	}
	maxAge, err := measureAge("mine", "--generalisation-days", o.GeneralisationDays)
	if err != nil {
		return err
	}
	store, snapshot, err := openMiningInput(ctx, o)
	if err != nil {
		return err
	}
	defer store.Close()
	loaded, err := loadSnapshotMatrix(ctx, store, snapshot)
	if err != nil {
		return err
	}
	if o.Input == "" {
		e.batch.Signals.keepMatrix(loaded) // the signals of this snapshot start from it
	}
	m, attrs := loaded.m, loaded.attrs
	risk, err := loadRisk(ctx, store, m, schema.RiskMedium)
	if err != nil {
		return err
	}
	var takenOver *takenOverGeneralisation
	if o.Generalisation && o.Input == "" {
		if takenOver, err = earlierGeneralisation(ctx, store, e.batch.AsOf, params, maxAge); err != nil {
			return err
		}
	}
	measure := o.Generalisation && takenOver == nil
	// The generalisation re-mines a copy with a share hidden: it runs on
	// another core while the mining runs, and its progress is shown once
	// the mining is done.
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	relay := &progressRelay{}
	measured := make(chan measuredGeneralisation, 1)
	if measure {
		go func() {
			t := time.Now()
			g, err := mining.Generalisation(gctx, m, attrs, mr.generalisationMiner(relay.report), mining.DefaultGeneralisationOptions, rand.NewPCG(o.Seed, 7))
			measured <- measuredGeneralisation{g, time.Since(t), err}
		}()
	}
	start := time.Now()
	var res *mining.Result
	if err := e.step("mining", func(p *progress) (err error) { res, err = mr.mine(ctx, m, p.stage); return err }); err != nil {
		return err // the deferred cancel stops the generalisation
	}
	mined := time.Since(start)
	prev, err := loadPreviousRoles(ctx, store, m)
	if err != nil {
		return err
	}
	out := newMiningOutput(res, attrs, risk, mined, params, prev)
	// The record holds every flag, as other commands' do; the mining
	// parameters resolved from them are compared with the previous run's.
	out.Parameters = e.parameters()
	maps.Copy(out.Parameters, params)
	out.GeneralisationTakenOver = takenOver
	if measure {
		var g measuredGeneralisation
		if err := e.step("measuring generalisation", func(p *progress) error { relay.attach(p); g = <-measured; return g.err }); err != nil {
			return err
		}
		out.Metrics.Generalisation, out.GeneralisationSeconds = &g.metrics, g.took.Seconds()
	}
	out.WallSeconds = time.Since(began).Seconds()
	out.print(e, o.whereRoles())
	if o.Out != "" {
		if err := out.writeFiles(o.Out); err != nil {
			return err
		}
		e.logf("wrote %s", filepath.Join(o.Out, "roles.csv"))
	}
	if o.Input != "" {
		return nil // the in-memory store of --input is not kept
	}
	return out.store(ctx, store, snapshot, began, e.batch.ID)
}

// measuredGeneralisation is the outcome of mining.Generalisation and the
// time it took.
type measuredGeneralisation struct {
	metrics mining.GeneralisationMetrics
	took    time.Duration
	err     error
}

// takenOverGeneralisation is the generalisation an earlier mine run
// measured, taken over by this one (see earlierMeasure).
type takenOverGeneralisation struct {
	earlierMeasure
	Metrics mining.GeneralisationMetrics `json:"metrics"`
}

// earlierGeneralisation returns the generalisation the latest mine run
// with the same mining parameters measured less than maxAge ago, or nil.
func earlierGeneralisation(ctx context.Context, store *datasets.Store, now time.Time, params map[string]any, maxAge time.Duration) (*takenOverGeneralisation, error) {
	var g mining.GeneralisationMetrics
	m, ok, err := findEarlierMeasure(ctx, store, now, "mine", "$.generalisation", params, slices.Collect(maps.Keys(params)), maxAge,
		func(raw []byte) bool { g = mining.GeneralisationMetrics{}; return json.Unmarshal(raw, &g) == nil })
	if err != nil || !ok {
		return nil, err
	}
	return &takenOverGeneralisation{*m, g}, nil
}

// whereRoles says where the roles the summary leaves out can be read.
func (o mineOptions) whereRoles() string {
	switch {
	case o.Out != "":
		return "see " + filepath.Join(o.Out, "roles.csv")
	case o.Input != "":
		return "--out DIR writes them all to DIR/roles.csv"
	default:
		return "all are stored in " + o.DB + "; --out DIR also writes DIR/roles.csv"
	}
}

// miner is the mining the flags select: exact (with an objective) or
// noise-tolerant.
type miner struct {
	exact  *mining.ExactOptions // nil: noise-tolerant
	approx mining.ApproxOptions
	seed   uint64
}

// mine mines m, telling progress how far it has come.
func (mr miner) mine(ctx context.Context, m *features.Matrix, progress func(string, int, int)) (*mining.Result, error) {
	src := rand.NewPCG(mr.seed, mr.seed)
	if mr.exact != nil {
		opts := *mr.exact
		opts.Src, opts.Progress = src, progress
		return mining.Exact(ctx, m, opts)
	}
	opts := mr.approx
	opts.Src, opts.Progress = src, progress
	return mining.Approx(ctx, m, opts)
}

// generalisationMiner returns the re-mine of the generalisation measure:
// the same mining, with the exact miner's work bounded (see
// mining.ExactOptions.ForGeneralisation) so that the measure costs about
// what the mining does.
func (mr miner) generalisationMiner(progress func(string, int, int)) func(context.Context, *features.Matrix) (*mining.Result, error) {
	if mr.exact != nil {
		bounded := mr.exact.ForGeneralisation()
		mr.exact = &bounded
	}
	return func(ctx context.Context, m *features.Matrix) (*mining.Result, error) {
		return mr.mine(ctx, m, progress)
	}
}

// miner returns the mining the flags select, and its parameters for the
// record.
func (o mineOptions) miner() (miner, map[string]any, error) {
	if o.Objective != "" {
		objective, err := mining.ParseObjective(o.Objective)
		if err != nil {
			return miner{}, nil, usageError{"mine: " + err.Error()}
		}
		opts := mining.DefaultExactOptions
		opts.Objective = objective
		params := map[string]any{"objective": objective.String(), "seed": o.Seed, "input": o.Input}
		return miner{exact: &opts, seed: o.Seed}, params, nil
	}
	method, err := mining.ParseMethod(o.Method)
	if err != nil {
		return miner{}, nil, usageError{"mine: " + err.Error()}
	}
	if o.Similarity <= 0 || o.Similarity > 1 || o.MaxOverAssignment < 0 || o.MaxOverAssignment >= 1 ||
		o.MinMembers < 1 || o.MinEntitlements < 1 || o.MaxRoles < 0 {
		return miner{}, nil, usagef("mine: --similarity must be in (0,1], --max-over-assignment in [0,1), --min-members and --min-entitlements at least 1, --max-roles not negative")
	}
	opts := mining.DefaultApproxOptions
	opts.Method, opts.Similarity, opts.MinMembers, opts.MinEntitlements = method, o.Similarity, o.MinMembers, o.MinEntitlements
	opts.MaxRoles, opts.MaxParts, opts.MaxOverAssignment = o.MaxRoles, o.MaxParts, o.MaxOverAssignment
	params := map[string]any{"method": method.String(), "similarity": o.Similarity, "min_members": o.MinMembers,
		"min_entitlements": o.MinEntitlements, "max_roles": o.MaxRoles, "max_parts": o.MaxParts,
		"max_over_assignment": o.MaxOverAssignment, "seed": o.Seed, "input": o.Input}
	return miner{approx: opts, seed: o.Seed}, params, nil
}

// openMiningInput opens the database, or an in-memory store holding the
// --input file as assignments.
func openMiningInput(ctx context.Context, o mineOptions) (*datasets.Store, int64, error) {
	if o.Input == "" {
		return openSnapshot(ctx, o.DB)
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
