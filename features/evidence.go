package features

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// EvidenceKind says what a piece of Evidence is about.
type EvidenceKind int

// Kinds of evidence.
const (
	// EvidencePopularity: Holders of the Size other identities hold the
	// entitlement.
	EvidencePopularity EvidenceKind = iota
	// EvidencePeers: Holders of the Size peers described by Group hold it.
	EvidencePeers
	// EvidenceNeighbours: Holders of the Size most similar identities hold
	// it.
	EvidenceNeighbours
	// EvidenceRole: the identity holds Holders of the Size other
	// entitlements of the role named Group.
	EvidenceRole
	// EvidenceUnknownEntitlement: the entitlement is not in the matrix.
	EvidenceUnknownEntitlement
	// EvidenceUnknownIdentity: the identity is not in the matrix.
	EvidenceUnknownIdentity
)

// Evidence is one reason behind a pair's signals, in numbers; String says
// it in words, e.g. "41 of 44 peers in department Finance hold it".
type Evidence struct {
	Kind EvidenceKind
	// Signal is the name (see Signals.Names) of the signal explained;
	// empty for the unknown kinds.
	Signal string
	// Group describes the peers as the phrase that follows "peers"
	// ("in department Finance", "with manager I000123", "in department
	// Finance with title AP Clerk"), or names the role.
	Group string
	// Holders and Size count the group and the part of it that holds the
	// entitlement (for a role: its other entitlements and those the
	// identity holds).
	Holders, Size int
	// Value is the signal's value: the smoothed share for peers and
	// neighbours, Holders/Size for a role and popularity.
	Value float64
}

// String returns the evidence as a sentence without final period.
func (e Evidence) String() string {
	switch e.Kind {
	case EvidencePopularity:
		return "held by " + percent(e.Value) + " % of identities"
	case EvidencePeers:
		if e.Size == 1 {
			return fmt.Sprintf("%d of 1 peer %s holds it", e.Holders, e.Group)
		}
		return fmt.Sprintf("%d of %d peers %s hold it", e.Holders, e.Size, e.Group)
	case EvidenceNeighbours:
		if e.Size == 1 {
			if e.Holders == 1 {
				return "the most similar identity holds it"
			}
			return "the most similar identity does not hold it"
		}
		return fmt.Sprintf("%d of the %d most similar identities hold it", e.Holders, e.Size)
	case EvidenceRole:
		noun := "entitlements"
		if e.Size == 1 {
			noun = "entitlement"
		}
		return fmt.Sprintf("fits role %s: holds %d of its %d other %s", e.Group, e.Holders, e.Size, noun)
	case EvidenceUnknownEntitlement:
		return "the entitlement is not in the catalogue"
	case EvidenceUnknownIdentity:
		return "the requester is not in the identity data"
	}
	return fmt.Sprintf("evidence of kind %d", int(e.Kind))
}

// percent formats share·100 with two significant digits below 10 and none
// above: 0.2, 5.3, 41, 100; below 0.01 it says "< 0.01".
func percent(share float64) string {
	switch v := share * 100; {
	case v == 0:
		return "0"
	case v < 0.01:
		return "< 0.01"
	case v < 9.95:
		return strconv.FormatFloat(v, 'g', 2, 64)
	default:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
}

// Evidence returns the reasons behind the signals of (row, col) as of asOf
// (see Compute), strongest first, at most k of them (all when k <= 0):
// peer groups, neighbours and the best-fitting role ranked by how far
// their value lies from the entitlement's popularity (a role by its fit),
// then always, last, the popularity itself. Peer groups the identity is
// not in and empty neighbourhoods are left out. An unknown entitlement
// gives one EvidenceUnknownEntitlement; an unknown identity gives
// EvidenceUnknownIdentity and the popularity.
//
// Evidence allocates; it is meant for the pairs a report shows, not for
// bulk scoring. It panics if row or col is out of range.
func (s *Signals) Evidence(row, col int, asOf int64, k int) []Evidence {
	s.checkPair(row, col)
	sc := s.pool.Get().(*scratch)
	defer s.pool.Put(sc)
	vals := make([]float64, len(s.names))
	s.compute(sc, row, col, asOf, vals)
	d := &sc.det
	if !d.known {
		return []Evidence{{Kind: EvidenceUnknownEntitlement}}
	}
	pop := Evidence{Kind: EvidencePopularity, Signal: PopularitySignal, Holders: d.popHolders, Size: d.popSize, Value: vals[0]}
	if row < 0 {
		return limit([]Evidence{{Kind: EvidenceUnknownIdentity}, pop}, k)
	}
	var ev []Evidence
	for f := range s.peers {
		if d.peerSize[f] > 0 {
			ev = append(ev, Evidence{Kind: EvidencePeers, Signal: s.names[1+f], Group: s.describe(f, row),
				Holders: d.peerHolders[f], Size: d.peerSize[f], Value: vals[1+f]})
		}
	}
	if d.nbFound > 0 {
		ev = append(ev, Evidence{Kind: EvidenceNeighbours, Signal: NeighbourSignal,
			Holders: d.nbHolders, Size: d.nbFound, Value: vals[s.nbIdx]})
	}
	if d.role >= 0 {
		ev = append(ev, Evidence{Kind: EvidenceRole, Signal: RoleFitSignal, Group: s.roleNames[d.role],
			Holders: d.roleHeld, Size: d.roleSz, Value: vals[s.roleIdx]})
	}
	strength := func(e Evidence) float64 {
		if e.Kind == EvidenceRole {
			return e.Value
		}
		return math.Abs(e.Value - pop.Value)
	}
	slices.SortStableFunc(ev, func(a, b Evidence) int {
		return cmp.Or(cmp.Compare(strength(b), strength(a)), cmp.Compare(b.Size, a.Size))
	})
	if k > 0 && len(ev) > k-1 {
		ev = ev[:k-1]
	}
	return append(ev, pop)
}

func limit(ev []Evidence, k int) []Evidence {
	if k > 0 && len(ev) > k {
		return ev[:k]
	}
	return ev
}

// describe returns the phrase after "peers" for row's group in peer
// signal f.
func (s *Signals) describe(f, row int) string {
	p := &s.peers[f]
	v := p.codes[row]
	if len(p.attrs) == 1 {
		return groupPhrase(s.attrs.names[p.attrs[0]], s.attrs.Value(p.attrs[0], v))
	}
	phrases := make([]string, len(p.attrs))
	for a, k := range p.attrs {
		phrases[a] = groupPhrase(s.attrs.names[k], s.attrs.Value(k, p.parts[int(v)*len(p.attrs)+a]))
	}
	return strings.Join(phrases, " ")
}

// groupPhrase says "in department Finance", "with manager I000123",
// "with title AP Clerk".
func groupPhrase(name, value string) string {
	switch strings.ToLower(name) {
	case "department", "location", "division", "cost_center", "team":
		return "in " + strings.ReplaceAll(name, "_", " ") + " " + value
	case "manager_id", "manager":
		return "with manager " + value
	}
	return "with " + strings.ReplaceAll(name, "_", " ") + " " + value
}
