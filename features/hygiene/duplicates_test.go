package hygiene

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// people makes n identities of random names from small lists, under
// n/7 managers, so that many share a family name.
func people(n int, seed uint64) *Data {
	firsts := []string{"Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas"}
	lasts := []string{"Smith", "García", "Nguyen", "Müller", "Rossi", "Kowalski", "Okafor", "Tanaka"}
	r := rand.New(rand.NewPCG(seed, 1))
	d := NewData()
	for i := range n {
		d.AddIdentity(Identity{ID: fmt.Sprintf("P%05d", i), Name: firsts[r.IntN(len(firsts))] + " " + lasts[r.IntN(len(lasts))],
			Kind: "human", Manager: fmt.Sprintf("M%d", r.IntN(n/7+1)), Title: fmt.Sprintf("T%d", r.IntN(20))})
	}
	return d
}

// Blocking scores a small fraction of all pairs, each at most once.
func TestDuplicatesBlocking(t *testing.T) {
	d := people(3000, 1)
	d.Prepare()
	s := newDupScorer(d, DefaultDuplicateOptions)
	s.candidates()
	all := 3000 * 2999 / 2
	if s.scored == 0 || s.scored > all/10 {
		t.Errorf("scored %d of %d pairs, want a small fraction", s.scored, all)
	}
}

// Name variants of one person are matched; different people are not.
func TestDuplicateVariants(t *testing.T) {
	base := Identity{Kind: "human", Status: "active", Department: "Sales", Title: "Rep", Location: "Lyon", Manager: "M"}
	tests := []struct {
		a, b   string // display names
		ea, eb string // e-mail addresses
		match  bool
	}{
		{"François Lefèvre", "FRANCOIS LEFEVRE", "", "", true},
		{"Robert Kowalski", "Bob Kowalski", "", "", true},
		{"Katherine Evans", "K. Evans", "", "katherine.evans2@x", true},
		{"Matthew Lambert", "Matthew Labmert", "", "", true},
		{"Ella Nilsson", "Nilsson, Ella", "", "", true},
		{"Susan Baker", "Susan I. Baker", "", "", true},
		{"Anna Weber", "Oskar Weber", "", "", false},
		{"Anna Weber", "Anna Fischer", "", "", false},
	}
	for _, tc := range tests {
		d := NewData()
		// Colleagues with other names make the organisational fields and
		// the names informative.
		for i := range 60 {
			c := base
			c.ID, c.Name = fmt.Sprintf("C%02d", i), fmt.Sprintf("Person%02d Colleague%02d", i, i)
			c.Manager = fmt.Sprintf("M%d", i%9)
			c.Location = []string{"Lyon", "Oslo", "Pune"}[i%3]
			d.AddIdentity(c)
		}
		a, b := base, base
		a.ID, a.Name, a.Email = "A", tc.a, tc.ea
		b.ID, b.Name, b.Email = "B", tc.b, tc.eb
		d.AddIdentity(a)
		d.AddIdentity(b)
		d.Prepare()
		pairs, _ := FindDuplicates(d, DefaultDuplicateOptions)
		var got []string
		for _, p := range pairs {
			got = append(got, d.Identities[p.A].ID+"-"+d.Identities[p.B].ID)
		}
		var want []string
		if tc.match {
			want = []string{"A-B"}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q vs %q (-want +got):\n%s", tc.a, tc.b, diff)
		}
	}
}
