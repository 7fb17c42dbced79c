package hygiene

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFold(t *testing.T) {
	tests := map[string]string{
		"José Núñez": "jose nunez", "Søren Østergaard": "soren ostergaard", "Łukasz Wiśniewski": "lukasz wisniewski",
		"Jürgen Müller": "jurgen muller", "Yılmaz": "yilmaz", "ROSSI": "rossi", "Straße": "strasse", "": "",
	}
	for in, want := range tests {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseName(t *testing.T) {
	tests := []struct {
		in   string
		want personName
	}{
		{"José García", personName{first: "jose", last: "garcia", altFirst: "garcia", altLast: "jose"}},
		{"GARCÍA, JOSÉ", personName{first: "jose", last: "garcia"}},
		{"José M. García", personName{first: "jose", last: "garcia"}},
		{"J. García", personName{first: "j", last: "garcia"}},
		{"Deborah J. De Jong", personName{first: "deborah", last: "dejong"}},
		{"Margaret O'Brien", personName{first: "margaret", last: "obrien", altFirst: "obrien", altLast: "margaret"}},
		{"Dr. Ann Lee-Smith Jr.", personName{first: "ann", last: "leesmith", altFirst: "leesmith", altLast: "ann"}},
		{"Madonna", personName{last: "madonna"}},
		{"", personName{}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, parseName(tc.in), cmp.AllowUnexported(personName{})); diff != "" {
			t.Errorf("parseName(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestParseEmail(t *testing.T) {
	tests := []struct {
		in   string
		want emailName
	}{
		{"jose.garcia2@corp.example", emailName{first: "jose", last: "garcia", base: "jose.garcia"}},
		{"JGarcia@corp.example", emailName{compact: "jgarcia", base: "jgarcia"}},
		{"deborah.de.jong+hr@x", emailName{first: "deborah", last: "dejong", base: "deborah.de.jong"}},
		{"not an address", emailName{}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, parseEmail(tc.in), cmp.AllowUnexported(emailName{})); diff != "" {
			t.Errorf("parseEmail(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestNicknames(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"bob", "robert", true}, {"liam", "william", true}, {"sasha", "alex", true}, {"pepe", "jose", true},
		{"robert", "robert", false}, {"bob", "william", false}, {"anna", "ann", false},
	}
	for _, tc := range tests {
		if got := nicknameOf(tc.a, tc.b); got != tc.want {
			t.Errorf("nicknameOf(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

func TestSoundex(t *testing.T) {
	// Reference codes of the American Soundex (US National Archives).
	tests := map[string]string{"robert": "R163", "rupert": "R163", "tymczak": "T522", "ashcraft": "A261",
		"pfister": "P236", "honeyman": "H555", "": "", "123": ""}
	for in, want := range tests {
		if got := soundex(in); got != want {
			t.Errorf("soundex(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"garcia", "garcia", 1, 0},
		{"garcia", "gracia", 1, 1}, // swap
		{"meyer", "meyr", 1, 1},    // deletion
		{"ricci", "riccci", 1, 1},  // insertion
		{"smith", "smyth", 1, 1},   // substitution
		{"smith", "jones", 1, 2},   // capped at max+1
		{"søren", "soren", 2, 1},   // runes, not bytes
		{"abc", "abcdef", 1, 2},
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b, tc.max); got != tc.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.max, got, tc.want)
		}
	}
}

// One-letter deletions of two names one typo apart share a variant, which
// is what lets blocking find typos.
func TestDeletionsShareVariant(t *testing.T) {
	for _, p := range [][2]string{{"lambert", "labmert"}, {"meyer", "meyr"}, {"ricci", "riccci"}} {
		set := map[string]bool{}
		for _, v := range deletions(p[0]) {
			set[v] = true
		}
		shared := false
		for _, v := range deletions(p[1]) {
			shared = shared || set[v]
		}
		if !shared {
			t.Errorf("deletions of %q and %q share no variant", p[0], p[1])
		}
	}
}

// withinOneEdit is editDistance(a, b, 1) <= 1 in one pass: compared with
// it on hand-picked words (with accents, which take the rune path) and on
// every pair of a random sample of short words over a small alphabet,
// where near misses are common.
func TestWithinOneEdit(t *testing.T) {
	words := []string{"", "a", "b", "ab", "ba", "abc", "acb", "bac", "abd", "abcd", "abdc", "acbd", "xbcd", "ac", "bc",
		"aab", "aba", "aa", "aaa", "garcia", "gracia", "garcai", "garica", "garcias", "arcia", "jose", "josé", "jsoe",
		"müller", "muller", "mueller"}
	rng := rand.New(rand.NewPCG(1, 2)) // fixed: the sample is the same every run
	for range 2000 {
		b := make([]byte, rng.IntN(6))
		for k := range b {
			b[k] = "abc"[rng.IntN(3)]
		}
		words = append(words, string(b))
	}
	for _, a := range words {
		for _, b := range words {
			if got, want := withinOneEdit(a, b), editDistance(a, b, 1) <= 1; got != want {
				t.Fatalf("withinOneEdit(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
}

// nicknameOf is whether the canonical given names of two different
// spellings meet.
func TestNicknameOf(t *testing.T) {
	names := []string{"robert", "bob", "rob", "alex", "sasha", "alexander", "alejandro", "chris", "christine", "kate",
		"catherine", "katherine", "pat", "sam", "jo", "joe", "joseph", "johannes", "harry", "hal", "henry", "harold",
		"ted", "theodore", "edward", "nat", "natalie", "natalia", "zz", ""}
	for _, a := range names {
		for _, b := range names {
			want := false
			for _, x := range canonicalFirst(a) {
				want = want || a != b && slices.Contains(canonicalFirst(b), x)
			}
			if got := nicknameOf(a, b); got != want {
				t.Errorf("nicknameOf(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
}
