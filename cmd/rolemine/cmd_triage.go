package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"rolemine/datasets"
	"rolemine/datasets/schema"
	"rolemine/eval/model"
	"rolemine/eval/policy"
	"rolemine/eval/score"
	"rolemine/eval/triage"
	"rolemine/features"
)

type triageOptions struct {
	DB      string
	Policy  string
	Out     string
	QAShare float64
	Seed    uint64
}

func (o *triageOptions) AddFlags(fs *pflag.FlagSet) {
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Policy, "policy", "", "policy file written by rolemine evaluate (required)")
	fs.StringVar(&o.Out, "out", "", "directory for decisions.csv and decisions.jsonl (required)")
	fs.Float64Var(&o.QAShare, "qa-share", triage.DefaultQAShare, "share of auto-approvals also sent to human quality review")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the quality-review sample")
}

func triageCommand() *command {
	var o triageOptions
	return &command{
		name: "triage", args: "--policy FILE --out DIR [flags]",
		short: "route pending requests to auto-approve, review or escalate",
		long: `Scores every pending request and routes it to exactly one of auto-approve,
review (a human decides, with evidence) or escalate. Nothing high or critical
risk, privileged, conflicting with a separation-of-duties rule, outside the
catalogue, or for an unknown or departed requester is ever auto-approved. The
policy must be unexpired and built on this database; its model is the one
evaluate stored with it in the database, refused if missing or if its SHA-256
is not the policy's (nothing is refitted: run evaluate again). Tiers the circuit
breaker suspended (rolemine outcomes) are not auto-approved. A share of
auto-approvals (--qa-share, reproducible by --seed) is also sent to human
quality review. Decisions are stored in the triage_decisions table, appended
to the hash-chained decision log, and written to DIR/decisions.csv and
DIR/decisions.jsonl in the order a workflow should take them: escalations,
reviews, auto-approvals; within each, highest risk and least confidence
first. rolemine grants nothing: it writes decisions for the workflow system
to act on.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("triage"); o = triageOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runTriage(ctx, e, o, args) },
	}
}

// routed is one triaged request.
type routed struct {
	ID          string       `json:"request_id"`
	Identity    string       `json:"identity_id"`
	Ent         string       `json:"entitlement_id"`
	App         string       `json:"application,omitempty"`
	Route       policy.Route `json:"route"`
	QASample    bool         `json:"qa_sample"`
	Probability float64      `json:"probability"`
	Score       float64      `json:"score"` // raw model score (log-odds)
	Rule        string       `json:"rule"`
	Reason      string       `json:"reason"`
	Tier        string       `json:"tier"`
	PolicyID    string       `json:"policy_id"`
	Evidence    []string     `json:"evidence"`
}

func runTriage(ctx context.Context, e *env, o triageOptions, args []string) error {
	if o.Policy == "" || o.Out == "" || len(args) > 0 {
		return usagef("triage: give --policy FILE and --out DIR")
	}
	if !(o.QAShare >= 0 && o.QAShare <= 1) {
		return usagef("triage: --qa-share %v outside [0, 1]", o.QAShare)
	}
	started := time.Now().UTC()
	store, pol, err := openWithPolicy(ctx, openExisting, "triage", o.DB, o.Policy, e.batch.now())
	if err != nil {
		return err
	}
	defer store.Close()
	if err := applySuspensions(ctx, e, store, pol); err != nil {
		return err
	}
	scorer, err := loadScorer(ctx, e, store, pol)
	if err != nil {
		return err
	}
	decisions, err := scorer.triage(ctx, store, pol)
	if err != nil {
		return err
	}
	for k := range decisions {
		d := &decisions[k]
		d.QASample = d.Route == policy.AutoApprove && triage.QASample(o.Seed, d.ID, o.QAShare)
	}
	sortForWork(decisions)
	printTriage(e, decisions, pol)
	if err := writeDecisions(o.Out, decisions); err != nil {
		return err
	}
	snapshot, err := store.LatestSnapshot(ctx)
	if err != nil {
		return err
	}
	run := &datasets.Run{Command: "triage", SnapshotID: snapshot, StartedAt: started, Parameters: e.parameters(), Batch: e.batch.ID}
	return storeTriage(ctx, store, run, pol, decisions)
}

// routeOrder puts what needs a person first.
var routeOrder = map[policy.Route]int{policy.Escalate: 0, policy.Review: 1, policy.AutoApprove: 2}

// sortForWork orders decisions as the workflow should take them: escalations,
// then reviews, then auto-approvals; within a route by risk, highest
// first, then by confidence, least first; ties by request id.
func sortForWork(ds []routed) {
	slices.SortFunc(ds, func(a, b routed) int {
		return cmp.Or(
			cmp.Compare(routeOrder[a.Route], routeOrder[b.Route]),
			cmp.Compare(schema.RiskRank(b.Tier), schema.RiskRank(a.Tier)),
			cmp.Compare(a.Probability, b.Probability),
			cmp.Compare(a.ID, b.ID))
	})
}

// openWithPolicy reads the policy file and opens the database of command
// cmd with open (openExisting or openReadOnly), checking that the policy
// was learned from this database and is unexpired at now.
func openWithPolicy(ctx context.Context, open opener, cmd, db, policyPath string, now time.Time) (*datasets.Store, *policy.File, error) {
	pol, err := policy.Read(policyPath)
	if err != nil {
		return nil, nil, err
	}
	store, err := open(ctx, cmd, db)
	if err != nil {
		return nil, nil, err
	}
	dbID, err := store.DatabaseID(ctx)
	if err == nil {
		err = pol.Check(now, dbID)
	}
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return store, pol, nil
}

// applySuspensions suspends the tiers the circuit breaker suspended under
// pol (in the latest outcomes run that assessed it).
func applySuspensions(ctx context.Context, e *env, store *datasets.Store, pol *policy.File) error {
	rows, err := store.DB().QueryContext(ctx, `SELECT tier, reason FROM tier_states
		WHERE policy_id = $1 AND state = 'suspended' AND run_id = (SELECT max(run_id) FROM tier_states WHERE policy_id = $1)
		ORDER BY tier`, pol.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var tier, reason string
		if err := rows.Scan(&tier, &reason); err != nil {
			return err
		}
		pol.Suspend(tier, reason)
		e.logf("warning: auto-approval of the %s tier is suspended: %s", tier, reason)
	}
	return rows.Err()
}

// scorer is the policy's stored model with the featurizer of the current
// data.
type scorer struct {
	model *model.Model
	feat  *score.Featurizer
	data  *scoringData
	reqs  []score.Request // all requests known now, bound
}

// loadScorer loads the model evaluate stored with the policy (refusing a
// missing one, or one whose SHA-256 is not the policy's) and the
// featurizer of the current data, which must give the signals the model
// was fitted with. Nothing is refitted: a policy that cannot be applied
// as it was learned is refused, and the way out is a new evaluate.
func loadScorer(ctx context.Context, e *env, store *datasets.Store, pol *policy.File) (*scorer, error) {
	m, err := loadPolicyModel(ctx, store, pol)
	if err != nil {
		return nil, err
	}
	current, feat, data, err := prepareScoring(ctx, e, store, 0, pol.DefaultRisk)
	if err != nil {
		return nil, err
	}
	if want, got := m.Options().NumericNames, feat.SignalNames(); !slices.Equal(want, got) {
		return nil, fmt.Errorf("policy %s's model was fitted with the signals [%s], the current data give [%s] (assignments or roles loaded or removed since): run rolemine evaluate again",
			pol.ID, strings.Join(want, ", "), strings.Join(got, ", "))
	}
	return &scorer{model: m, feat: feat, data: data, reqs: current}, nil
}

// triage scores and routes every pending request.
func (s *scorer) triage(ctx context.Context, store *datasets.Store, pol *policy.File) ([]routed, error) {
	pending := s.pending()
	facts, err := loadFacts(ctx, store, s.data, pending)
	if err != nil {
		return nil, err
	}
	lastUse, err := loadLastUse(ctx, store, pending)
	if err != nil {
		return nil, err
	}
	xs := s.feat.Instances(pending, func(int) int64 { return features.Now })
	raw := s.model.ScoreTo(nil, xs)
	out := make([]routed, len(pending))
	inParts(len(pending), func(k int) {
		r := pending[k]
		x := facts(r)
		x.Score, x.Prob = raw[k], pol.Probability(raw[k])
		reasons := s.model.Explain(xs[k], score.ReasonsPerScore).Reasons
		x.Conflicting = conflicting(reasons)
		d := pol.Route(x)
		out[k] = routed{ID: r.ID, Identity: r.Identity, Ent: r.Entitlement, App: r.Application, Route: d.Route,
			Probability: x.Prob, Score: x.Score, Rule: d.Rule, Reason: d.Reason, Tier: r.Tier, PolicyID: pol.ID,
			Evidence: s.evidence(reasons, r, lastUse)}
	})
	return out, nil
}

// inParts calls fn(k) for every k in [0, n), spreading parts of consecutive
// k over GOMAXPROCS goroutines; fn must be safe for concurrent use (each k
// writing only its own results). Explaining a score is the costly step of
// triage and score, and the model and signals are safe for concurrent use.
func inParts(n int, fn func(k int)) {
	const part = 256
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range min(runtime.GOMAXPROCS(0), (n+part-1)/part) {
		wg.Go(func() {
			for {
				lo := int(next.Add(part)) - part
				if lo >= n {
					return
				}
				for k := lo; k < min(lo+part, n); k++ {
					fn(k)
				}
			}
		})
	}
	wg.Wait()
}

// conflictStrength is the least log-odds contribution, each way, of two
// reasons that make a request's signals conflicting.
const conflictStrength = 1.0

// conflicting names the strongest reason for and against approval when
// both move the log-odds by at least conflictStrength, or returns "".
func conflicting(reasons []model.Reason) string {
	var pro, con *model.Reason
	for k := range reasons {
		r := &reasons[k]
		switch {
		case r.Contribution >= conflictStrength && pro == nil:
			pro = r
		case r.Contribution <= -conflictStrength && con == nil:
			con = r
		}
	}
	if pro == nil || con == nil {
		return ""
	}
	return fmt.Sprintf("for: %s; against: %s", pro.Text, con.Text)
}

// pending returns the pending requests known now.
func (s *scorer) pending() []score.Request {
	var pending []score.Request
	for _, r := range s.reqs {
		if r.Decision == schema.Pending {
			pending = append(pending, r)
		}
	}
	return pending
}

// evidence is what a reviewer reads: the strongest reasons of the model
// (similar past decisions among them), the peer, neighbour and role-fit
// evidence of the signals, and the requester's last use of related access.
func (s *scorer) evidence(reasons []model.Reason, r score.Request, lastUse func(identity, app string) string) []string {
	var ev []string
	for _, reason := range reasons {
		ev = append(ev, reason.Text)
	}
	if s.data.signals != nil && r.Row >= 0 && r.Col >= 0 {
		for _, e := range s.data.signals.Evidence(r.Row, r.Col, features.Now, 3) {
			ev = append(ev, e.String())
		}
	}
	if u := lastUse(r.Identity, r.Application); u != "" {
		ev = append(ev, u)
	}
	return ev
}

// loadLastUse returns, for a requester of reqs and an application, when
// the requester last used access of that application, from the
// assignments' last_used_at; "" when the data record no use.
func loadLastUse(ctx context.Context, store *datasets.Store, reqs []score.Request) (func(identity, app string) string, error) {
	ids := make([]string, 0, len(reqs))
	for _, r := range reqs {
		ids = append(ids, r.Identity)
	}
	rows, err := store.DB().QueryContext(ctx, `SELECT a.identity_id, e.application, CAST(max(a.last_used_at) AS DATE)::VARCHAR
		FROM current_assignments a JOIN current_entitlements e USING (entitlement_id)
		WHERE a.last_used_at IS NOT NULL AND e.application IS NOT NULL AND a.identity_id = ANY($1::VARCHAR[])
		GROUP BY ALL`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	last := map[[2]string]string{}
	for rows.Next() {
		var id, app, day string
		if err := rows.Scan(&id, &app, &day); err != nil {
			return nil, err
		}
		last[[2]string{id, app}] = day
	}
	return func(identity, app string) string {
		if d, ok := last[[2]string{identity, app}]; ok {
			return fmt.Sprintf("last used other %s access on %s", app, d)
		}
		return ""
	}, rows.Err()
}

// loadFacts returns a function giving the routing facts of a pending
// request: catalogue and identity presence, the requester's status and
// owner, and separation-of-duties conflicts with current access or other
// pending requests.
func loadFacts(ctx context.Context, store *datasets.Store, data *scoringData, pending []score.Request) (func(score.Request) policy.Facts, error) {
	nEnt, err := store.Count(ctx, "entitlements")
	if err != nil {
		return nil, err
	}
	ids, err := loadIdentityFacts(ctx, store)
	if err != nil {
		return nil, err
	}
	sod, err := loadSoD(ctx, store)
	if err != nil {
		return nil, err
	}
	pendingBy := map[string]map[string]bool{}
	for _, r := range pending {
		if pendingBy[r.Identity] == nil {
			pendingBy[r.Identity] = map[string]bool{}
		}
		pendingBy[r.Identity][r.Entitlement] = true
	}
	holds := func(identity, ent string) bool {
		if data.m == nil {
			return false
		}
		i, ok1 := data.m.RowIndex(identity)
		j, ok2 := data.m.ColIndex(ent)
		return ok1 && ok2 && data.m.Has(i, j)
	}
	return func(r score.Request) policy.Facts {
		x := policy.Facts{Request: r, Catalogue: nEnt > 0, Identities: len(ids) > 0}
		if id, ok := ids[r.Identity]; ok {
			x.Status, x.NonHuman = id.status, id.nonHuman
			x.OwnerActive = id.owner != "" && ids[id.owner].status == "active"
			if x.Status == "" {
				x.Status = "active" // an identity row without status is taken as active
			}
		}
		for _, rule := range sod[r.Entitlement] {
			switch {
			case holds(r.Identity, rule.other):
				x.SoDConflict = fmt.Sprintf("rule %s: already holds %s", rule.id, rule.other)
			case pendingBy[r.Identity][rule.other]:
				x.SoDConflict = fmt.Sprintf("rule %s: also requested %s", rule.id, rule.other)
			}
		}
		return x
	}, nil
}

type identityFacts struct {
	status, owner string
	nonHuman      bool
}

func loadIdentityFacts(ctx context.Context, store *datasets.Store) (map[string]identityFacts, error) {
	rows, err := store.DB().QueryContext(ctx, `SELECT identity_id, coalesce(lower(status), ''), coalesce(lower(kind), 'human'), coalesce(owner_id, '') FROM current_identities`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[string]identityFacts{}
	for rows.Next() {
		var id, status, kind, owner string
		if err := rows.Scan(&id, &status, &kind, &owner); err != nil {
			return nil, err
		}
		ids[id] = identityFacts{status: status, owner: owner, nonHuman: kind != "human"}
	}
	return ids, rows.Err()
}

type sodPartner struct{ id, other string }

// loadSoD indexes the separation-of-duties rules by both entitlements.
func loadSoD(ctx context.Context, store *datasets.Store) (map[string][]sodPartner, error) {
	rows, err := store.DB().QueryContext(ctx, `SELECT rule_id, entitlement_a, entitlement_b FROM current_sod_rules`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sod := map[string][]sodPartner{}
	for rows.Next() {
		var id, a, b string
		if err := rows.Scan(&id, &a, &b); err != nil {
			return nil, err
		}
		sod[a] = append(sod[a], sodPartner{id, b})
		sod[b] = append(sod[b], sodPartner{id, a})
	}
	return sod, rows.Err()
}

func printTriage(e *env, decisions []routed, pol *policy.File) {
	count := map[policy.Route]int{}
	rules := map[string]int{}
	for _, d := range decisions {
		count[d.Route]++
		rules[string(d.Route)+" by "+d.Rule]++
	}
	qa := 0
	for _, d := range decisions {
		if d.QASample {
			qa++
		}
	}
	fmt.Fprintf(e.stdout, "policy %s: %d pending requests: %d auto-approve (%d also to quality review), %d review, %d escalate\n", pol.ID, len(decisions),
		count[policy.AutoApprove], qa, count[policy.Review], count[policy.Escalate])
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for _, r := range []policy.Route{policy.AutoApprove, policy.Review, policy.Escalate} {
		for rule, n := range rules {
			if strings.HasPrefix(rule, string(r)+" by ") {
				fmt.Fprintf(tw, "  %s\t%d\n", rule, n)
			}
		}
	}
	tw.Flush()
}

// writeDecisions writes decisions.csv and decisions.jsonl for the workflow
// system.
func writeDecisions(dir string, decisions []routed) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	header := []string{"request_id", "identity_id", "entitlement_id", "route", "qa_sample", "probability", "reason", "rule", "tier", "policy_id", "evidence"}
	err := writeCSVFile(filepath.Join(dir, "decisions.csv"), header, func(yield func([]string)) {
		for _, d := range decisions {
			yield([]string{d.ID, d.Identity, d.Ent, string(d.Route), strconv.FormatBool(d.QASample), strconv.FormatFloat(d.Probability, 'f', 4, 64),
				d.Reason, d.Rule, d.Tier, d.PolicyID, strings.Join(d.Evidence, "; ")})
		}
	})
	if err != nil {
		return err
	}
	return writeBuffered(filepath.Join(dir, "decisions.jsonl"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, d := range decisions {
			if err := enc.Encode(d); err != nil {
				return err
			}
		}
		return nil
	})
}
