package hygiene

import (
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldExtra spells the letters that Unicode decomposition leaves alone.
var foldExtra = map[rune]string{
	'ø': "o", 'ł': "l", 'ß': "ss", 'æ': "ae", 'œ': "oe", 'ı': "i", 'đ': "d", 'ð': "d", 'þ': "th",
}

// Fold returns s in lower case without accents: "José Núñez" → "jose nunez".
// Letters without an ASCII spelling are kept, lower-cased.
func Fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if f, ok := foldExtra[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// personName is a display name taken apart for matching: folded given and
// family names, the family name without spaces or punctuation.
type personName struct {
	first, last string
	// alt is the reading with given and family names swapped, for a
	// two-word name without a comma ("Garcia Jose"); empty otherwise.
	altFirst, altLast string
}

// nameNoise are words dropped from names.
var nameNoise = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "dr": true, "prof": true,
	"jr": true, "sr": true, "ii": true, "iii": true, "iv": true,
}

// parseName splits a display name into given and family name: "García,
// José" and "José M. García" both give jose / garcia; "J. García" gives
// j / garcia; a single word is a family name.
func parseName(display string) personName {
	s := Fold(display)
	given, family, comma := "", s, false
	if k := strings.IndexByte(s, ','); k >= 0 {
		family, given, comma = s[:k], s[k+1:], true
	}
	var p personName
	if comma {
		g := nameWords(given)
		if len(g) > 0 {
			p.first = g[0]
		}
		p.last = strings.Join(nameWords(family), "")
		return p
	}
	w := nameWords(family)
	switch len(w) {
	case 0:
		return p
	case 1:
		p.last = w[0]
		return p
	}
	p.first = w[0]
	var rest []string
	for k, x := range w[1:] {
		if len(x) == 1 && k < len(w)-2 { // a middle initial
			continue
		}
		rest = append(rest, x)
	}
	p.last = strings.Join(rest, "")
	if len(w) == 2 && len(w[0]) > 1 && len(w[1]) > 1 {
		p.altFirst, p.altLast = w[1], w[0]
	}
	return p
}

// nameWords splits folded text into words of letters and digits, dropping
// apostrophes, hyphens and periods inside words and the noise words.
func nameWords(s string) []string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			if w := b.String(); !nameNoise[w] {
				words = append(words, w)
			}
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '\'' || r == '’' || r == '-':
		case r == '.':
			flush()
		default:
			flush()
		}
	}
	flush()
	return words
}

// emailName is what the local part of an e-mail address says about a name:
// "jose.garcia2@x" gives first jose, last garcia; "jgarcia@x" gives compact
// jgarcia. Trailing digits and +tags are dropped.
type emailName struct {
	first, last, compact, base string
}

func parseEmail(email string) emailName {
	local, _, ok := strings.Cut(Fold(strings.TrimSpace(email)), "@")
	if !ok || local == "" {
		return emailName{}
	}
	if k := strings.IndexByte(local, '+'); k >= 0 {
		local = local[:k]
	}
	local = strings.TrimRightFunc(local, unicode.IsDigit)
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	e := emailName{base: strings.Join(parts, ".")}
	switch len(parts) {
	case 0:
	case 1:
		e.compact = parts[0]
	default:
		e.first, e.last = parts[0], strings.Join(parts[1:], "")
	}
	return e
}

// nicknames lists common short forms of given names (folded).
var nicknames = map[string][]string{
	"robert": {"bob", "rob", "bobby", "robbie", "bert"}, "william": {"bill", "will", "billy", "liam", "willy"},
	"elizabeth": {"liz", "beth", "eliza", "betty", "lisa", "libby", "liza"}, "katherine": {"kate", "kathy", "katie", "kat", "kitty"},
	"catherine": {"cathy", "kate", "katie", "cat"}, "michael": {"mike", "mick", "mikey", "mickey"},
	"james": {"jim", "jimmy", "jamie"}, "jennifer": {"jen", "jenny", "jenn"}, "richard": {"rick", "dick", "rich", "ricky", "richie"},
	"thomas": {"tom", "tommy"}, "christopher": {"chris", "kit", "topher"}, "christine": {"chris", "chrissy", "tina"},
	"daniel": {"dan", "danny"}, "joseph": {"joe", "joey", "jo"}, "margaret": {"maggie", "peggy", "meg", "marge", "greta"},
	"alexander": {"alex", "sasha", "al", "xander", "sandy"}, "alejandro": {"alex", "alejo", "jandro"},
	"alexandra": {"alex", "sasha", "sandra", "lexi"}, "aleksandr": {"sasha", "alex", "sanya"},
	"jose": {"pepe", "chepe"}, "johannes": {"hans", "jo", "johan"}, "giuseppe": {"beppe", "pino", "peppe"},
	"patricia": {"pat", "trish", "patty", "tricia"}, "patrick": {"pat", "paddy"}, "susan": {"sue", "suzy", "susie"},
	"anthony": {"tony"}, "antonio": {"toni", "tono"}, "edward": {"ed", "eddie", "ted", "ned"}, "jonathan": {"jon", "jonny"},
	"john": {"jack", "johnny"}, "matthew": {"matt", "matty"}, "nicholas": {"nick", "nico", "nicky"},
	"samantha": {"sam", "sammy"}, "samuel": {"sam", "sammy"}, "benjamin": {"ben", "benny", "benji"},
	"victoria": {"vicky", "tori", "vic"}, "rebecca": {"becky", "becca"}, "andrew": {"andy", "drew"},
	"steven": {"steve", "stevie"}, "stephen": {"steve", "stevie"}, "timothy": {"tim", "timmy"}, "kimberly": {"kim"},
	"deborah": {"debbie", "deb", "debra"}, "frederick": {"fred", "freddie", "freddy"}, "gregory": {"greg"},
	"jacqueline": {"jackie", "jacqui"}, "lawrence": {"larry", "laurie"}, "pamela": {"pam"}, "raymond": {"ray"},
	"isabella": {"bella", "izzy", "isa"}, "isabel": {"bella", "isa"}, "francesca": {"fran", "cesca", "frankie"},
	"francis": {"frank", "fran"}, "francisco": {"paco", "pancho", "cisco"}, "valentina": {"vale", "val"},
	"natalia": {"natasha", "nat", "talia"}, "natalie": {"nat"}, "dmitri": {"dima", "mitya"}, "amelia": {"millie", "amy"},
	"olivia": {"liv", "livvy"}, "agnieszka": {"aga", "agnes"}, "maria": {"mari", "mary", "maru"}, "lucia": {"lu", "lucy"},
	"charles": {"charlie", "chuck", "chas"}, "david": {"dave", "davy"}, "donald": {"don", "donny"},
	"douglas": {"doug"}, "eugene": {"gene"}, "gerald": {"gerry", "jerry"}, "harold": {"harry", "hal"},
	"henry": {"harry", "hank", "hal"}, "jeffrey": {"jeff"}, "joshua": {"josh"}, "kenneth": {"ken", "kenny"},
	"leonard": {"leo", "len", "lenny"}, "louis": {"lou"}, "nathaniel": {"nate", "nat"}, "nathan": {"nate"},
	"peter": {"pete"}, "philip": {"phil"}, "ronald": {"ron", "ronnie"}, "theodore": {"ted", "teddy", "theo"},
	"vincent": {"vince", "vinny"}, "walter": {"walt", "wally"}, "zachary": {"zach", "zack"},
	"abigail": {"abby", "gail"}, "barbara": {"barb", "babs"}, "caroline": {"carol", "carrie"},
	"christina": {"chris", "tina"}, "dorothy": {"dot", "dottie", "dolly"}, "eleanor": {"ellie", "nell", "nora"},
	"emily": {"em", "emmy"}, "jessica": {"jess", "jessie"}, "judith": {"judy"}, "linda": {"lindy"},
	"madeline": {"maddie", "maddy"}, "melissa": {"mel", "missy"}, "nancy": {"nan"}, "sarah": {"sally", "sadie"},
	"stephanie": {"steph"}, "teresa": {"terry", "tess"}, "theresa": {"terry", "tess"}, "virginia": {"ginny"},
	"wilhelm": {"willi", "wim"}, "friedrich": {"fritz"}, "ekaterina": {"katya"}, "mikhail": {"misha"},
	"ivan": {"vanya"}, "roberto": {"beto"}, "guillermo": {"memo", "guille"}, "eduardo": {"edu", "lalo"},
}

// nickIndex maps every folded given name and short form to the canonical
// names it may stand for.
var nickIndex = func() map[string][]string {
	idx := map[string][]string{}
	for _, long := range slices.Sorted(maps.Keys(nicknames)) {
		idx[long] = appendNew(idx[long], long)
		for _, s := range nicknames[long] {
			idx[s] = appendNew(idx[s], long)
		}
	}
	return idx
}()

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// canonicalFirst returns the canonical given names first may stand for,
// first itself included.
func canonicalFirst(first string) []string {
	c := nickIndex[first]
	if len(c) == 0 {
		return []string{first}
	}
	return appendNew(c[:len(c):len(c)], first)
}

// nicknameOf reports whether a and b are different spellings that share a
// canonical given name (Bob and Robert, Alex and Sasha): whether
// canonicalFirst(a) and canonicalFirst(b) meet, without building them.
func nicknameOf(a, b string) bool {
	if a == b {
		return false
	}
	ca, cb := nickIndex[a], nickIndex[b]
	if slices.Contains(cb, a) || slices.Contains(ca, b) {
		return true
	}
	for _, x := range ca {
		if slices.Contains(cb, x) {
			return true
		}
	}
	return false
}

// soundex returns the American Soundex code of the ASCII letters of s, or
// "" when s has none.
func soundex(s string) string {
	const codes = "01230120022455012623010202" // a … z
	var out [4]byte
	n := 0
	var last byte
	for i := 0; i < len(s) && n < 4; i++ {
		c := s[i]
		if c < 'a' || c > 'z' {
			continue
		}
		code := codes[c-'a']
		if n == 0 {
			out[0] = c - 'a' + 'A'
			n, last = 1, code
			continue
		}
		switch {
		case c == 'h' || c == 'w':
			continue // does not separate equal codes
		case code == '0':
			last = 0
		case code != last:
			out[n] = code
			n++
			last = code
		}
	}
	if n == 0 {
		return ""
	}
	for ; n < 4; n++ {
		out[n] = '0'
	}
	return string(out[:])
}

// editDistance returns the optimal-string-alignment distance (insertions,
// deletions, substitutions and swaps of neighbours) between a and b,
// counting runes, or max+1 as soon as it exceeds max.
func editDistance(a, b string, max int) int {
	if a == b {
		return 0
	}
	if d := len(a) - len(b); (d > max || -d > max) && isASCII(a) && isASCII(b) {
		return max + 1
	}
	if isASCII(a) && isASCII(b) && len(b) < 64 {
		var rows [3][64]int
		return osa([]byte(a), []byte(b), max, rows[0][:len(b)+1], rows[1][:len(b)+1], rows[2][:len(b)+1])
	}
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > max || -d > max {
		return max + 1
	}
	n := len(rb) + 1
	return osa(ra, rb, max, make([]int, n), make([]int, n), make([]int, n))
}

// withinOneEdit reports whether editDistance(a, b, 1) <= 1: a and b are
// equal or one substitution, insertion, deletion or swap of neighbours
// apart. ASCII strings are compared in one pass.
func withinOneEdit(a, b string) bool {
	if !isASCII(a) || !isASCII(b) {
		return editDistance(a, b, 1) <= 1
	}
	return withinOneEditASCII(a, b)
}

// withinOneEditASCII is withinOneEdit for ASCII a and b.
func withinOneEditASCII(a, b string) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a)-len(b) > 1 {
		return false
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	switch len(a) - len(b) {
	case 0:
		if i >= len(a)-1 || a[i+1:] == b[i+1:] {
			return true // equal, or one substitution at i
		}
		return a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case 1:
		return a[i+1:] == b[i:]
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// osa is the dynamic programme of editDistance over three row buffers of
// len(b)+1.
func osa[T byte | rune](a, b []T, max int, prev2, prev, cur []int) int {
	n := len(b)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= n; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[n], max+1)
}

// deletions returns s and every string made by deleting one rune of s, for
// blocking on names with one typo; words shorter than four runes give only
// themselves.
func deletions(s string) []string {
	out := []string{s}
	rs := []rune(s)
	if len(rs) < 4 {
		return out
	}
	for k := range rs {
		v := string(rs[:k]) + string(rs[k+1:])
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}
