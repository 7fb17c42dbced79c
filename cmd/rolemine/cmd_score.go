package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"rolemine/datasets"
	"rolemine/eval/score"
	"rolemine/features"
)

type scoreOptions struct {
	DB     string
	Policy string
	Pairs  string
	Out    string
}

func (o *scoreOptions) AddFlags(fs *pflag.FlagSet) {
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Policy, "policy", "", "policy file written by rolemine evaluate: its stored model scores (required)")
	fs.StringVar(&o.Pairs, "pairs", "", "CSV of identity_id,entitlement_id pairs to score (default: the pending requests)")
	fs.StringVar(&o.Out, "out", "", "scores CSV to write (required)")
}

func scoreCommand() *command {
	var o scoreOptions
	return &command{
		name: "score", args: "--policy FILE --out FILE [--pairs FILE] [flags]",
		short: "score the confidence of access requests or suggested grants",
		long: `Computes, for each pending request (or each identity_id,entitlement_id pair of
--pairs), the calibrated confidence that a careful approver would approve it,
with the strongest reasons in plain words. The model is the policy's, stored in
the database by evaluate and refused if missing or if its SHA-256 is not the
policy's. Scoring decides nothing: see rolemine triage.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("score"); o = scoreOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runScore(ctx, e, o, args) },
	}
}

func runScore(ctx context.Context, e *env, o scoreOptions, args []string) error {
	if o.Policy == "" || o.Out == "" || len(args) > 0 {
		return usagef("score: give --policy FILE and --out FILE")
	}
	store, pol, err := openWithPolicy(ctx, openReadOnly, "score", o.DB, o.Policy, time.Now())
	if err != nil {
		return err
	}
	defer store.Close()
	s, err := loadScorer(ctx, e, store, pol)
	if err != nil {
		return err
	}
	reqs := s.pending()
	if o.Pairs != "" {
		if reqs, err = readPairs(ctx, store, o.Pairs, pol.DefaultRisk); err != nil {
			return err
		}
		s.feat.Bind(reqs)
	}
	lastUse, err := loadLastUse(ctx, store, reqs)
	if err != nil {
		return err
	}
	xs := s.feat.Instances(reqs, func(int) int64 { return features.Now })
	raw := s.model.ScoreTo(nil, xs)
	evidence := make([]string, len(reqs))
	inParts(len(reqs), func(k int) {
		evidence[k] = strings.Join(s.evidence(s.model.Explain(xs[k], score.ReasonsPerScore).Reasons, reqs[k], lastUse), "; ")
	})
	header := []string{"request_id", "identity_id", "entitlement_id", "tier", "score", "raw_score", "evidence"}
	err = writeCSVFile(o.Out, header, func(yield func([]string)) {
		for k, r := range reqs {
			yield([]string{r.ID, r.Identity, r.Entitlement, r.Tier, strconv.FormatFloat(pol.Probability(raw[k]), 'f', 4, 64),
				strconv.FormatFloat(raw[k], 'f', 4, 64), evidence[k]})
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "scored %d pairs with policy %s's model; wrote %s\n", len(reqs), pol.ID, o.Out)
	return nil
}

// readPairs reads identity_id,entitlement_id pairs (with a header) and
// gives each the catalogue facts of its entitlement; entitlements missing
// from the catalogue take the default tier.
func readPairs(ctx context.Context, store *datasets.Store, path, defaultTier string) ([]score.Request, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(header) < 2 || strings.TrimSpace(header[0]) != "identity_id" || strings.TrimSpace(header[1]) != "entitlement_id" {
		return nil, fmt.Errorf("%s:1: want the header identity_id,entitlement_id, found %q", path, header)
	}
	catalogue, err := loadCatalogue(ctx, store)
	if err != nil {
		return nil, err
	}
	var reqs []score.Request
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return reqs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		q := score.Request{Identity: strings.TrimSpace(rec[0]), Entitlement: strings.TrimSpace(rec[1]), Tier: defaultTier, Decision: "pending"}
		if q.Identity == "" || q.Entitlement == "" {
			return nil, fmt.Errorf("%s:%d: empty identity_id or entitlement_id", path, line)
		}
		if c, ok := catalogue[q.Entitlement]; ok {
			q.InCatalogue, q.Application, q.Privileged = true, c.Application, c.Privileged
			if c.Tier != "" {
				q.Tier = c.Tier
			}
		}
		reqs = append(reqs, q)
	}
}

// loadCatalogue reads the application, risk tier and privilege of every
// current entitlement.
func loadCatalogue(ctx context.Context, store *datasets.Store) (map[string]score.Request, error) {
	rows, err := store.DB().QueryContext(ctx, `SELECT entitlement_id, coalesce(application, ''), risk, coalesce(privileged, false) FROM current_entitlements`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]score.Request{}
	for rows.Next() {
		var id, app string
		var tier sql.NullString
		var priv bool
		if err := rows.Scan(&id, &app, &tier, &priv); err != nil {
			return nil, err
		}
		out[id] = score.Request{Application: app, Tier: tier.String, Privileged: priv}
	}
	return out, rows.Err()
}
