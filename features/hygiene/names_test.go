package hygiene

import (
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
