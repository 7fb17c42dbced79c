package mining

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"rolemine/features"
)

// Method is how Approx generates candidate roles.
type Method int

const (
	// Cluster groups entitlements whose holder sets are nearly identical
	// (Jaccard similarity at least ApproxOptions.Similarity): each group
	// is a candidate role. Entitlements of one group are granted together,
	// so the groups partition the entitlements they cover.
	Cluster Method = iota
	// Asso takes, for every entitlement j, the entitlements held by most
	// holders of j (association confidence at least
	// ApproxOptions.Confidence) as a candidate role, in the manner of the
	// ASSO Boolean matrix factorisation (Miettinen et al., "The discrete
	// basis problem", IEEE TKDE 2008). Candidates may overlap.
	Asso
)

var methodNames = [...]string{Cluster: "cluster", Asso: "asso"}

// String returns "cluster" or "asso".
func (m Method) String() string {
	if m < 0 || int(m) >= len(methodNames) {
		return fmt.Sprintf("Method(%d)", int(m))
	}
	return methodNames[m]
}

// ParseMethod returns the method called name ("cluster" or "asso",
// ignoring case).
func ParseMethod(name string) (Method, error) {
	for m, n := range methodNames {
		if strings.EqualFold(name, n) {
			return Method(m), nil
		}
	}
	return 0, fmt.Errorf("unknown method %q (want cluster or asso)", name)
}

// ApproxOptions are the settings of Approx. A zero field takes its value
// from DefaultApproxOptions, except MaxRoles and MaxOverAssignment, whose
// zero is meaningful (no bound; no over-assignment). Values out of range
// are a misuse and panic.
type ApproxOptions struct {
	Method Method

	// Similarity is, for Cluster, the least Jaccard similarity of the
	// holder sets of two entitlements for them to be linked into one
	// candidate role; in (0, 1].
	Similarity float64

	// Confidence is, for Asso, the least share of the holders of
	// entitlement j that must hold k for k to join j's candidate role;
	// in (0, 1].
	Confidence float64

	// MinMembers and MinEntitlements are the least numbers of members and
	// entitlements of every role of the result.
	MinMembers, MinEntitlements int

	// MaxRoles bounds the number of roles of the result; 0 means no bound.
	// Roles are chosen greedily by the assignments they save, so a bound
	// keeps the most useful ones and leaves the rest as exceptions.
	MaxRoles int

	// MaxParts bounds the partial roles mined per base role for the
	// identities that hold most but not all of it (see Approx); negative
	// means none.
	MaxParts int

	// MaxOverAssignment is the largest share of a base role's entitlements
	// that a member may lack; each one lacked is granted by the role and
	// listed in Result.OverAssignments. Zero, the default, grants no one
	// anything new: a member holds every entitlement of each of its roles.
	// In [0, 1).
	MaxOverAssignment float64

	// Src drives the community detection that splits loosely linked
	// groups of entitlements (Cluster). Nil uses a fixed seed, so runs are
	// reproducible.
	Src rand.Source

	// Progress, when not nil, is told how far each stage has come: stage
	// is "pairs" (done of total entitlements scanned for co-occurrence),
	// "cover" (done of total assignments covered by the roles chosen so
	// far) or "exceptions" (rows listed, once at the end). Calls are
	// serialised but may come from different goroutines; done never falls
	// within a stage.
	Progress func(stage string, done, total int)
}

// DefaultApproxOptions find, on the synthetic enterprise of package
// datasets/synth at 5 % noise, nine in ten planted roles or more with
// Jaccard at least 0.9 and cover at least 95 % of the assignments without
// over-assignment (see the tests and BenchmarkApproxSynth).
var DefaultApproxOptions = ApproxOptions{
	Method:          Cluster,
	Similarity:      0.7,
	Confidence:      0.9,
	MinMembers:      3,
	MinEntitlements: 2,
	MaxParts:        12,
}

func (o ApproxOptions) withDefaults() ApproxOptions {
	switch {
	case o.Method != Cluster && o.Method != Asso:
		panic(fmt.Sprintf("mining: unknown method %d", int(o.Method)))
	case o.Similarity < 0 || o.Similarity > 1 || o.Confidence < 0 || o.Confidence > 1:
		panic(fmt.Sprintf("mining: similarity %g or confidence %g out of range (0, 1]", o.Similarity, o.Confidence))
	case o.MinMembers < 0 || o.MinEntitlements < 0 || o.MaxRoles < 0:
		panic("mining: negative ApproxOptions bound")
	case !(o.MaxOverAssignment >= 0 && o.MaxOverAssignment < 1):
		panic(fmt.Sprintf("mining: over-assignment %g out of range [0, 1)", o.MaxOverAssignment))
	}
	d := DefaultApproxOptions
	if o.Similarity == 0 {
		o.Similarity = d.Similarity
	}
	if o.Confidence == 0 {
		o.Confidence = d.Confidence
	}
	if o.MinMembers == 0 {
		o.MinMembers = d.MinMembers
	}
	if o.MinEntitlements == 0 {
		o.MinEntitlements = d.MinEntitlements
	}
	if o.MaxParts == 0 {
		o.MaxParts = d.MaxParts
	}
	if o.Src == nil {
		o.Src = rand.NewPCG(1, 2)
	}
	return o
}

// Approx mines a compact set of roles that covers most of m and leaves the
// rest as explicit exceptions. It never mutates m.
//
// Candidate roles come from the co-occurrence of entitlements (see Method);
// the cover is then built greedily, in the manner of ASSO: the candidate
// that saves the most is taken next, where a role saves the assignments it
// covers that no chosen role covers yet, less one for the role, one per
// entitlement and one per member (so WSC plus the number of exceptions
// falls by the saving), and less one per over-assigned entitlement. A
// candidate is given, whole, to every identity holding all of it (or all
// but MaxOverAssignment of it) for whom it covers something new; it is
// taken only when it saves something and has at least MinMembers members.
//
// Noise removes a few entitlements from many holders of a role, who then
// cannot be given the role without over-assignment. Once a base role is
// taken, Approx therefore offers up to MaxParts partial roles of it:
// subsets of its entitlements for the identities holding at least half of
// it but not all, each found by peeling entitlements off the base role one
// at a time and keeping the subset that saves the most. Partial roles never
// over-assign. Role.Parent links each to its base role, which precedes it
// in Result.Roles. A Cluster candidate with too few full holders to be a
// role of its own still gets partial roles, without a parent.
//
// The result satisfies the approximate invariant of Result (see
// CheckApprox): every member holds every entitlement of its roles except
// those listed in OverAssignments, and every assignment no role covers is
// listed in Exceptions. Roles are listed in the order chosen, each base
// role followed by its partial roles.
//
// Approx returns ctx.Err() when ctx is done before it finishes. It panics
// on a nil matrix or invalid options.
func Approx(ctx context.Context, m *features.Matrix, opts ApproxOptions) (*Result, error) {
	if m == nil {
		panic("mining: Approx of a nil matrix")
	}
	opts = opts.withDefaults()
	s := newCoverState(m, opts)
	var cands [][]int32
	var err error
	switch opts.Method {
	case Cluster:
		cands, err = clusterCandidates(ctx, m, opts)
	case Asso:
		cands, err = assoCandidates(ctx, m, opts)
	}
	if err != nil {
		return nil, err
	}
	if err := s.greedy(ctx, cands); err != nil {
		return nil, err
	}
	res := s.result()
	res.Algorithm = "approx-" + opts.Method.String()
	return res, nil
}

// reportProgress calls p when it is not nil.
func reportProgress(p func(string, int, int), stage string, done, total int) {
	if p != nil {
		p(stage, done, total)
	}
}
