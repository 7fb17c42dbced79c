package main

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/spf13/pflag"

	"rolemine/datasets"
	"rolemine/eval"
	"rolemine/features/hygiene"
	"rolemine/features/hygiene/review"
)

type reviewOptions struct {
	DB, Out, AsOf     string
	By                string
	IncludeBirthright bool
	UnusedDays        int
	RoutineConfidence float64
	MaxCoverage       float64
	PeerAttributes    []string
	Replay            bool
	ReplayDays        int
}

func (o *reviewOptions) AddFlags(fs *pflag.FlagSet) {
	d := review.DefaultOptions
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Out, "out", "", "directory for one HTML and one CSV packet per reviewer and summary.csv, summary.html, summary.json")
	fs.StringVar(&o.AsOf, "as-of", "", `"now" for ages, a date or RFC 3339 time (default: the newest timestamp in the data)`)
	fs.StringVar(&o.By, "by", d.By, "reviewers: manager (the identity's manager) or owner (the entitlement's owner)")
	fs.BoolVar(&o.IncludeBirthright, "include-birthright", false, "review birthright access too")
	fs.IntVar(&o.UnusedDays, "unused-days", d.UnusedDays, "suggest revoking access unused for longer")
	fs.Float64Var(&o.RoutineConfidence, "routine-confidence", d.RoutineConfidence, "keeps at or above this confidence are routine, grouped for quick confirmation")
	fs.Float64Var(&o.MaxCoverage, "outlier-share", d.Outliers.MaxCoverage, "access held by a smaller share of every peer group is an exception")
	fs.StringSliceVar(&o.PeerAttributes, "peer-attribute", nil, "extra identity attribute to form peer groups by (repeatable)")
	fs.BoolVar(&o.Replay, "replay", true, "measure the suggestions against the past certification decisions")
	fs.IntVar(&o.ReplayDays, "replay-days", 0, "take over the replay an earlier review run measured with the same options when it is less than this many days old, instead of replaying again (0: replay in every run)")
}

func reviewCommand() *command {
	var o reviewOptions
	return &command{
		name: "review", args: "--out DIR [flags]",
		short: "prepare certification packets with evidence and suggested decisions",
		long: `Prepares a certification campaign over the current access: one packet per
reviewer (--by manager or owner), each item with the evidence (why it is held,
peer coverage, role fit, last use, risk, past decisions, hygiene findings) and a
suggested keep or revoke with a confidence. Exceptions and high-risk items come
first and are never pre-decided; routine items are grouped for quick
confirmation. Writes DIR/packet-<reviewer>.html and .csv, summary.csv,
summary.html and summary.json. With --replay (default) the suggestions are
recomputed for every past campaign from the data available before it and
compared with the recorded decisions, per risk tier.

The hygiene findings in the evidence are those of the latest hygiene run on the
same snapshot and reference time, when there is one (with the options it ran
with); otherwise review looks for duplicate identities, dormant accounts and
non-humans without an owner itself, with hygiene's default options.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("review"); o = reviewOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runReview(ctx, e, o, args) },
	}
}

func (o reviewOptions) options() (review.Options, error) {
	opts := review.DefaultOptions
	if o.By != review.ByManager && o.By != review.ByOwner {
		return opts, usagef("review: --by must be manager or owner, not %q", o.By)
	}
	if err := positive("review", intFlag{"--unused-days", o.UnusedDays}); err != nil {
		return opts, err
	}
	if o.RoutineConfidence <= 0 || o.RoutineConfidence > 1 {
		return opts, usagef("review: --routine-confidence must be in (0, 1]")
	}
	if err := openUnit("review", "--outlier-share", o.MaxCoverage); err != nil {
		return opts, err
	}
	opts.By, opts.IncludeBirthright, opts.UnusedDays, opts.RoutineConfidence = o.By, o.IncludeBirthright, o.UnusedDays, o.RoutineConfidence
	opts.Outliers.MaxCoverage, opts.Outliers.Attributes = o.MaxCoverage, o.PeerAttributes
	return opts, nil
}

func runReview(ctx context.Context, e *env, o reviewOptions, args []string) error {
	if err := checkOutArgs("review", o.Out, args); err != nil {
		return err
	}
	opts, err := o.options()
	if err != nil {
		return err
	}
	maxAge, err := measureAge("review", "--replay-days", o.ReplayDays)
	if err != nil {
		return err
	}
	start := time.Now()
	store, snapshot, d, err := openHygieneData(ctx, e, "review", o.DB, hygieneLoad{requests: true, roles: true, attributes: o.PeerAttributes, asOf: o.AsOf})
	if err != nil {
		return err
	}
	defer store.Close()
	if d.AsOf == 0 {
		return fmt.Errorf("review: the data hold no timestamps: give --as-of")
	}
	params := e.parameters()
	params["as_of"] = formatAsOf(d.AsOf) // the reference time the packets used
	var replay *review.Replay
	if o.Replay {
		if replay, err = earlierReplay(ctx, store, e.batch.AsOf, d, params, maxAge); err != nil {
			return err
		}
	}
	// The replay only reads d: it runs beside the campaign.
	replayed := make(chan struct{})
	go func() {
		defer close(replayed)
		if o.Replay && replay == nil {
			replay = review.RunReplay(d, opts)
		}
	}()
	var camp *review.Campaign
	err = e.run("preparing packets", func() error {
		// Peer coverage and the hygiene evidence are independent: both
		// are made at once (the outlier check is not run, so the report
		// has no peers of its own), unless the batch's hygiene stage
		// computed the same peer groups on the same data.
		peers := make(chan *hygiene.Peers, 1)
		if p := e.batch.Snapshot.peersFor(d, opts.Outliers); p != nil {
			e.logf("peer groups: those the hygiene stage computed")
			peers <- p
		} else {
			go func() { peers <- hygiene.ComputePeers(d, opts.Outliers) }()
		}
		rep, err := reviewFindings(ctx, e, store, snapshot, d)
		if err != nil {
			return err
		}
		rep.Peers = <-peers
		camp = review.Prepare(d, rep, opts)
		camp.Prepared = time.Now().Unix()
		camp.Warnings = append(camp.Warnings, rep.Warnings...)
		return nil
	})
	if err != nil {
		return err
	}
	run := &datasets.Run{Command: "review", SnapshotID: snapshot, StartedAt: start, Parameters: params, Batch: e.batch.ID}
	// The packets are written while the replay may still run; only the
	// summary and the metrics wait for it.
	awaitReplay := sync.OnceValue(func() *review.Replay {
		<-replayed
		if replay != nil && len(replay.Campaigns) == 0 {
			camp.Warnings = append(camp.Warnings, "no past certification decisions: the suggestions could not be measured")
		}
		return replay
	})
	err = e.run("writing and storing", func() error { return storeReview(ctx, store, run, camp, awaitReplay, o.Out) })
	if err != nil {
		return err
	}
	printReview(e, camp, awaitReplay())
	e.logf("wrote %d packets and %s", len(camp.Packets), filepath.Join(o.Out, "summary.html"))
	return nil
}

// replayOptions are the review flags, by their parameter names, that a
// replay depends on: one is taken over only from a run with the same.
var replayOptions = []string{"by", "include_birthright", "unused_days", "routine_confidence", "outlier_share", "peer_attribute"}

// earlierReplay returns the replay the latest review run with the same
// replayOptions measured less than maxAge ago, when it replayed the past
// campaigns d holds (see review.Replay.Replays), marked with where it
// comes from; or nil.
func earlierReplay(ctx context.Context, store *datasets.Store, now time.Time, d *hygiene.Data, params map[string]any, maxAge time.Duration) (*review.Replay, error) {
	var r review.Replay
	m, ok, err := findEarlierMeasure(ctx, store, now, "review", "$.replay", params, replayOptions, maxAge,
		func(raw []byte) bool {
			r = review.Replay{}
			return json.Unmarshal(raw, &r) == nil && r.Campaigns != nil && r.Replays(d)
		})
	if err != nil || !ok {
		return nil, err
	}
	r.From = m.describe("review")
	return &r, nil
}

// reviewFindings returns the hygiene findings the packets give as
// evidence: those stored by a hygiene run on the snapshot at the same
// reference time (see storedFindings; in a batch, the same findings as its
// hygiene stage kept them), or else those of the reviewChecks run now with
// the default options.
func reviewFindings(ctx context.Context, e *env, store *datasets.Store, snapshot int64, d *hygiene.Data) (*hygiene.Report, error) {
	if rep, run := e.batch.Snapshot.evidenceFor(d); rep != nil {
		e.logf("hygiene findings: those of hygiene run %d, kept from this batch's hygiene stage", run)
		return rep, nil
	}
	rep, run, err := storedFindings(ctx, store, snapshot, d)
	if err != nil || rep != nil {
		if rep != nil {
			e.logf("hygiene findings: those of hygiene run %d, on this snapshot and reference time", run)
		}
		return rep, err
	}
	hopts := hygiene.DefaultOptions
	hopts.Checks = reviewChecks
	return hygiene.Run(d, hopts), nil
}

func printReview(e *env, c *review.Campaign, r *review.Replay) {
	fmt.Fprintf(e.stdout, "as of %s: %d items for %d reviewers (by %s)\n", formatAsOf(c.AsOf), c.Totals["items"], len(c.Packets), c.Options.By)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "decide\trevoke\tkeep\troutine")
	fmt.Fprintf(tw, "%d\t%d\t%d\t%d\n", c.Totals[review.GroupDecide], c.Totals[review.GroupRevoke], c.Totals[review.GroupKeep], c.Totals[review.GroupRoutine])
	tw.Flush()
	if r != nil && r.Overall.Items > 0 {
		fmt.Fprintf(e.stdout, "replay of %d past campaigns (%d decisions): precision of the suggestions that were pre-decided\n", len(r.Campaigns), r.Overall.Items)
		if r.From != "" {
			fmt.Fprintf(e.stdout, "(replay %s)\n", r.From)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "risk tier\tdecisions\tpre-decided\tkeep\tkeep precision (95% lower)\trevoke\trevoke precision\troutine precision\tdecide leaning keep: kept")
		for _, s := range append(r.Tiers, r.Overall) {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%d\t%s\t%s\t%s\n", s.Tier, s.Items, pct(s.Coverage(), s.Items), s.Keep,
				precisionBound(s.KeepMatched, s.Keep), s.Revoke, pct(s.RevokePrecision(), s.Revoke),
				pct(s.RoutinePrecision(), s.Routine), pct(s.LeanKeepPrecision(), s.LeanKeep))
		}
		tw.Flush()
	}
	for _, w := range c.Warnings {
		e.logf("warning: %s", w)
	}
}

func pct(x float64, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*x)
}

// precisionBound formats k/n with its one-sided 95 % Clopper–Pearson lower
// bound.
func precisionBound(k, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%% (%.1f%%)", 100*float64(k)/float64(n), 100*eval.ClopperPearsonLower(k, n, 0.95))
}

// storeReview records the run, every item's suggestion and the replay
// metrics in one transaction, and writes the packets and the summary into
// dir: each packet's items are stored as its files are written, so that
// no more than a few packets' items are held at once. The run is committed
// only once every file is written; an error rolls it back. awaitReplay
// returns the replay of the past campaigns (nil when there is none); it is
// called once the packets are written, so that the replay may run beside
// the writing.
func storeReview(ctx context.Context, store *datasets.Store, run *datasets.Run, c *review.Campaign, awaitReplay func() *review.Replay, dir string) error {
	return store.Write(ctx, func(tx *datasets.Tx) error {
		// The run's summary is set once the replay is in.
		if err := tx.RecordRun(run, nil); err != nil {
			return err
		}
		err := tx.AppendArrow("review_items", datasets.ResultSchema("review_items"), func(rows *datasets.ArrowRows) error {
			return c.WritePackets(dir, itemRows(run.ID, c.Data, rows))
		})
		if err != nil {
			return err
		}
		r := awaitReplay()
		summary := map[string]any{"totals": c.Totals}
		switch {
		case r != nil && r.From == "":
			summary["replay"] = r
		case r != nil:
			summary["replay_from"] = r.From // not this run's measure
		}
		if err := tx.SetRunSummary(run.ID, summary); err != nil {
			return err
		}
		err = tx.Append("metrics", func(add func(...driver.Value) error) error {
			for k, v := range c.Totals {
				if err := add(run.ID, "items."+k, float64(v)); err != nil {
					return err
				}
			}
			if r == nil || r.From != "" {
				return nil
			}
			for _, s := range append(r.Tiers, r.Overall) {
				for name, v := range map[string]float64{"keep_precision": s.KeepPrecision(), "revoke_precision": s.RevokePrecision(),
					"routine_precision": s.RoutinePrecision(), "coverage": s.Coverage(), "decisions": float64(s.Items)} {
					if err := add(run.ID, "replay."+s.Tier+"."+name, v); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return c.WriteSummary(dir, r)
	})
}

// itemRows returns a review.Campaign.WritePackets callback that adds the
// review_items rows of run to rows.
func itemRows(run int64, d *hygiene.Data, rows *datasets.ArrowRows) func(*review.Packet, []review.Item) error {
	runs, reviewer, identity, entitlement := rows.Field(0).(*array.Int64Builder), rows.Field(1).(*array.StringBuilder),
		rows.Field(2).(*array.StringBuilder), rows.Field(3).(*array.StringBuilder)
	suggestion, confidence, group, lean := rows.Field(4).(*array.StringBuilder), rows.Field(5).(*array.Float64Builder),
		rows.Field(6).(*array.StringBuilder), rows.Field(7).(*array.StringBuilder)
	return func(p *review.Packet, items []review.Item) error {
		for k := range items {
			it := &items[k]
			runs.Append(run)
			appendText(reviewer, p.Reviewer)
			identity.Append(d.Identities[it.Identity].ID)
			entitlement.Append(d.Entitlements[it.Entitlement].ID)
			suggestion.Append(it.Suggestion)
			if it.Suggestion == review.Decide {
				confidence.AppendNull()
			} else {
				confidence.Append(it.Confidence)
			}
			group.Append(it.Group)
			appendText(lean, it.Lean)
			if err := rows.EndRow(); err != nil {
				return err
			}
		}
		return nil
	}
}

// appendText appends s to b, or NULL when s is empty.
func appendText(b *array.StringBuilder, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.Append(s)
}
