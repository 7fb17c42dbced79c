package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// redundant returns requests with attributes X (12 values), Y (a renamed
// copy of X: one-to-one), Z (a function of X) and W (independent).
func redundant(n int, src rand.Source) []Instance {
	rng := rand.New(src)
	xs := make([]Instance, n)
	for i := range xs {
		x, w := rng.IntN(12), rng.IntN(7)
		xs[i] = Instance{
			Tokens: []string{fmt.Sprintf("X=%d", x), fmt.Sprintf("Y=y%d", x), fmt.Sprintf("Z=%d", x%3), fmt.Sprintf("W=%d", w)},
			Label:  rng.Float64() < 0.8,
		}
	}
	return xs
}

func TestEncoderGroups(t *testing.T) {
	xs := redundant(2000, rand.NewPCG(1, 1))
	b := DefaultBoost
	b.Order = 3
	e, _ := newEncoder(xs, b, 5, 2, rand.NewPCG(2, 2))
	var got []string
	for _, g := range e.groups {
		var names []string
		for _, a := range g {
			names = append(names, e.names[a])
		}
		got = append(got, strings.Join(names, "×"))
	}
	// Attributes sort W, X, Y, Z. Y duplicates X; X×Z is X (Z is a
	// function of X), and so is W×X×Z of W×X; profiles need more than
	// three distinct attributes.
	want := []string{"W", "X", "Z", "W×X", "W×Z"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	var cards []string
	for _, c := range e.cards {
		cards = append(cards, e.names[c[0]]+"→"+e.names[c[1]])
	}
	// X→Z is always one value.
	wantCards := []string{"W→X", "W→Z", "X→W", "Z→W", "Z→X"}
	if diff := cmp.Diff(wantCards, cards); diff != "" {
		t.Errorf("cards (-want +got):\n%s", diff)
	}
}

func TestEncoderSignals(t *testing.T) {
	xs := synthetic(3000, rand.NewPCG(3, 3))
	b := DefaultBoost
	e, x := newEncoder(xs, b, 5, 2, rand.NewPCG(4, 4))
	var s encoderScratch
	for i := range 200 {
		row := x[i*e.width : (i+1)*e.width]
		at := e.encode(&s, &xs[i])
		for gi := range e.groups {
			// A training row's count leaves the row itself out: one less
			// than a new request with the same values sees (signals are
			// rounded to float32).
			if got, want := math.Round(math.Expm1(row[2*gi+1])), math.Round(math.Expm1(at[2*gi+1]))-1; got != want {
				t.Fatalf("row %d group %d: training count %v, want %v", i, gi, got, want)
			}
		}
		off := 2 * len(e.groups)
		for ci := range e.cards {
			if row[off+ci] > at[off+ci]+1e-12 {
				t.Fatalf("row %d card %d: training %v above scoring %v", i, ci, row[off+ci], at[off+ci])
			}
		}
	}
	// The rates are out-of-fold: a row's own label does not move them.
	flipped := slices.Clone(xs)
	flipped[7].Label = !flipped[7].Label
	_, y := newEncoder(flipped, b, 5, 2, rand.NewPCG(4, 4))
	for gi := range e.groups {
		if a, b := x[7*e.width+2*gi], y[7*e.width+2*gi]; a != b {
			t.Errorf("group %d: rate %v moved to %v when the row's label flipped", gi, a, b)
		}
	}
}

// TestGroupOrder: the order is lowered while the groups of that order
// outnumber MaxGroups. Counts: 9 attributes give 9 + 36 + 84 = 129 groups up
// to triples; 13 give 13 + 78 + 286 = 377, and 91 up to pairs; 60 give 1,830
// up to pairs.
func TestGroupOrder(t *testing.T) {
	tests := []struct {
		na, order, maxGroups, want int
	}{
		{9, 3, 150, 3},
		{13, 3, 150, 2},
		{13, 3, 377, 3},
		{13, 3, 376, 2},
		{60, 3, 150, 1},
		{60, 3, 0, 3},
		{5, 2, 150, 2},
		{2, 3, 1, 1},
	}
	for _, tt := range tests {
		b := DefaultBoost
		b.Order, b.MaxGroups = tt.order, tt.maxGroups
		if got := groupOrder(tt.na, b); got != tt.want {
			t.Errorf("groupOrder(%d attributes, order %d, max %d) = %d, want %d", tt.na, tt.order, tt.maxGroups, got, tt.want)
		}
	}
}
