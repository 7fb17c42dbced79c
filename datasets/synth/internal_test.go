package synth

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestAppendTime(t *testing.T) {
	secs := []int64{
		0, 59, 86399, 86400,
		951782400,  // 2000-02-29, a leap day of a century year
		4107542399, // 2100-02-28 23:59:59, no leap day in 2100
		time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC).Unix(),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix(),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		secs = append(secs, r.Int64N(253402300800))
	}
	for _, s := range secs {
		want := time.Unix(s, 0).UTC().Format("2006-01-02 15:04:05")
		if got := string(appendTime(nil, s)); got != want {
			t.Errorf("appendTime(%d) = %s, want %s", s, got, want)
		}
	}
}

func TestAppendField(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"", ""},
		{"García, José", `"García, José"`},
		{`say "hi"`, `"say ""hi"""`},
		{"O'Brien", "O'Brien"},
	}
	for _, tt := range tests {
		if got := string(appendField(nil, tt.in)); got != tt.want {
			t.Errorf("appendField(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestFold checks that every name the generator uses has an ASCII spelling
// for e-mail addresses and usernames.
func TestFold(t *testing.T) {
	for _, list := range [][]string{firstNames, lastNames} {
		for _, n := range list {
			f := fold(n)
			for i := 0; i < len(f); i++ {
				if f[i] >= utf8.RuneSelf {
					t.Errorf("fold(%q) = %q is not ASCII", n, f)
					break
				}
			}
		}
	}
	if got := emailLocal("José", "O'Brien"); got != "jose.obrien" {
		t.Errorf("emailLocal = %q, want jose.obrien", got)
	}
}

func TestNameVariant(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	seen := map[int]bool{}
	for range 2000 {
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		d, v, _ := nameVariant(r, first, last)
		seen[v] = true
		if d == first+" "+last {
			t.Errorf("variant %s of %s %s is the name itself", variantNames[v], first, last)
		}
	}
	if len(seen) != numVariants {
		t.Errorf("%d of %d variants drawn", len(seen), numVariants)
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		total int
		w     []float64
		least int
		want  []int
	}{
		{10, []float64{1, 1}, 0, []int{5, 5}},
		{10, []float64{1, 1, 1}, 2, []int{4, 3, 3}},
		{100, []float64{3, 1}, 10, []int{70, 30}},
		{7, []float64{1, 0}, 1, []int{6, 1}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, split(tt.total, tt.w, tt.least)); diff != "" {
			t.Errorf("split(%d, %v, %d) (-want +got):\n%s", tt.total, tt.w, tt.least, diff)
		}
	}
}

// TestShapeScales checks that the organisation grows with the identities
// and that the planted roles fit into the catalogue.
func TestShapeScales(t *testing.T) {
	tests := []struct {
		n, e              int
		minJobs, maxJobs  int
		minDepts, maxDept int
	}{
		{200, 100, 2, 3, 1, 1},
		{2000, 1000, 15, 40, 4, 8},
		{100000, 20000, 300, 600, 20, 30},
	}
	for _, tt := range tests {
		o, err := Options{Identities: tt.n, Entitlements: tt.e}.normalize()
		if err != nil {
			t.Fatal(err)
		}
		s := shapeOf(o)
		if s.jobs < tt.minJobs || s.jobs > tt.maxJobs || s.depts < tt.minDepts || s.depts > tt.maxDept {
			t.Errorf("%d×%d: %d jobs in %d departments, want %d…%d in %d…%d",
				tt.n, tt.e, s.jobs, s.depts, tt.minJobs, tt.maxJobs, tt.minDepts, tt.maxDept)
		}
		if s.need()*s.scale > roleShare*float64(tt.e)+1 {
			t.Errorf("%d×%d: roles need %.0f of %d entitlements", tt.n, tt.e, s.need()*s.scale, tt.e)
		}
	}
}

// TestCSVFile writes rows through a csvFile, whose timestamps reuse the
// date of the previous one when the day repeats, and reads them back.
func TestCSVFile(t *testing.T) {
	dir := t.TempDir()
	c, err := createCSV(dir, "t.csv", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	secs := []int64{1782777599, 1782777600, 1782777601, 1782777601 + 86399, 0, 951782400}
	var want strings.Builder
	want.WriteString("a,b\n")
	for i, s := range secs {
		c.id("I", i, 3)
		c.time(s)
		c.end()
		want.WriteString(string(appendID(nil, "I", i, 3)) + ",")
		if s != 0 {
			want.WriteString(time.Unix(s, 0).UTC().Format("2006-01-02 15:04:05"))
		}
		want.WriteString("\n")
	}
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "t.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.String(), string(got)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	if c.rows != len(secs) {
		t.Errorf("rows = %d, want %d", c.rows, len(secs))
	}
}

// TestShapeFitsTitles checks that every organisation size lays out its
// jobs within the departments' distinct titles: at a million identities
// the jobs outnumbered them and buildJobs panicked.
func TestShapeFitsTitles(t *testing.T) {
	for _, n := range []int{50, 2_000, 100_000, 300_000, 1_000_000, 3_000_000} {
		for _, ents := range []int{200, 5_000, 100_000} {
			o := DefaultOptions
			o.Identities, o.Entitlements = n, ents
			s := shapeOf(o)
			if s.jobs > titleCapacity(s.depts) {
				t.Errorf("%d identities, %d entitlements: %d jobs in %d departments with %d titles", n, ents, s.jobs, s.depts, titleCapacity(s.depts))
			}
			g := &gen{o: o, r: rand.New(rand.NewPCG(1, 2))}
			g.buildJobs(s)
			if len(g.jobs) != s.jobs {
				t.Errorf("%d identities, %d entitlements: %d jobs laid out, want %d", n, ents, len(g.jobs), s.jobs)
			}
		}
	}
}
