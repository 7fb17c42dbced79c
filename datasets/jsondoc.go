package datasets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonDoc is one JSON file of a directory export, read whole. Every value
// taken from it knows its byte offset, so that messages name the file, the
// line and the JSON path of what they are about.
type jsonDoc struct {
	path string
	data []byte
}

// readJSONDoc reads path and checks that it is one valid UTF-8 JSON value.
// noun says what the file should be ("a Microsoft Graph response"); a
// syntax error is reported as "not <noun>: …" with its line.
func readJSONDoc(path, noun string) (*jsonDoc, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// encoding/json would read invalid UTF-8 as U+FFFD, a silently different value.
	if !utf8.Valid(data) {
		return nil, &LoadError{File: path, Line: lineAt(data, invalidUTF8At(data)), Reason: "not valid UTF-8"}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		le := &LoadError{File: path, Reason: "not " + noun + ": " + truncate(err.Error(), 200)}
		if se, ok := err.(*json.SyntaxError); ok {
			le.Line = lineAt(data, int(se.Offset))
		}
		return nil, le
	}
	return &jsonDoc{path: path, data: data}, nil
}

// root is the document's top-level value.
func (d *jsonDoc) root() jvalue {
	return jvalue{doc: d, raw: d.data, off: skipSpace(d.data, 0), path: "$"}
}

// jvalue is one JSON value of a document: its text, where it starts and its
// path from the root ("$.value[3].manager").
type jvalue struct {
	doc  *jsonDoc
	raw  []byte
	off  int
	path string
}

// line is the 1-based line of the file the value starts on.
func (v jvalue) line() int64 { return lineAt(v.doc.data, v.off) }

// errorf is a LoadError naming the value's file, line and path.
func (v jvalue) errorf(format string, args ...any) *LoadError {
	return &LoadError{File: v.doc.path, Line: v.line(), Reason: v.path + ": " + fmt.Sprintf(format, args...)}
}

// kind names the value's JSON type.
func (v jvalue) kind() string {
	switch b := bytes.TrimSpace(v.raw); {
	case len(b) == 0:
		return "nothing"
	case b[0] == '{':
		return "object"
	case b[0] == '[':
		return "array"
	case b[0] == '"':
		return "string"
	case b[0] == 't', b[0] == 'f':
		return "boolean"
	case b[0] == 'n':
		return "null"
	}
	return "number"
}

// text returns a scalar as text: a string's value, a number's digits,
// true or false; null is "". An object or array is an error.
func (v jvalue) text() (string, error) {
	switch v.kind() {
	case "string":
		var s string
		err := json.Unmarshal(v.raw, &s)
		return s, err
	case "null":
		return "", nil
	case "number", "boolean":
		return string(bytes.TrimSpace(v.raw)), nil
	}
	return "", v.errorf("want a string, number or boolean, found an %s", v.kind())
}

// items returns the elements of an array (null is empty).
func (v jvalue) items() ([]jvalue, error) {
	switch v.kind() {
	case "null":
		return nil, nil
	case "array":
	default:
		return nil, v.errorf("want an array, found a %s", v.kind())
	}
	var out []jvalue
	err := v.walk('[', func(_ string, e jvalue) {
		e.path = fmt.Sprintf("%s[%d]", v.path, len(out))
		out = append(out, e)
	})
	return out, err
}

// object returns the fields of an object; it is an error for v to be
// anything else.
func (v jvalue) object() (*jobject, error) {
	if v.kind() != "object" {
		return nil, v.errorf("want an object, found a %s", v.kind())
	}
	o := &jobject{jvalue: v, read: map[string]bool{}, errp: new(error)}
	err := v.walk('{', func(name string, e jvalue) {
		e.path = v.path + "." + name
		o.names = append(o.names, name)
		o.fields = append(o.fields, e)
	})
	return o, err
}

// walk streams the members of an array or object, giving each value with
// its absolute offset (and, for an object, its name).
func (v jvalue) walk(open json.Delim, fn func(name string, e jvalue)) error {
	dec := json.NewDecoder(bytes.NewReader(v.raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != open {
		return v.errorf("malformed %c", open)
	}
	for dec.More() {
		name := ""
		if open == '{' {
			tok, err := dec.Token()
			if err != nil {
				return v.errorf("malformed object: %v", err)
			}
			name, _ = tok.(string)
		}
		start := skipSpace(v.raw, int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return v.errorf("malformed value: %v", err)
		}
		fn(name, jvalue{doc: v.doc, raw: raw, off: v.off + start})
	}
	return nil
}

// skipSpace is the offset of the first byte at or after off that is not
// white space, a colon or a comma (the separators between JSON values).
func skipSpace(b []byte, off int) int {
	for off < len(b) && strings.IndexByte(" \t\r\n:,", b[off]) >= 0 {
		off++
	}
	return off
}

// jobject is a JSON object whose fields are taken by name; the fields never
// taken are reported by unread, so that nothing is dropped unsaid.
type jobject struct {
	jvalue
	names  []string
	fields []jvalue
	read   map[string]bool
	// errp holds the first type error met in the object or any object
	// read from it (they share it); once set, reads return zero values.
	errp *error
}

// err is the first type error met in the object or its sub-objects.
func (o *jobject) err() error { return *o.errp }

// field returns the named field, marking it read; absent and null fields
// are not ok.
func (o *jobject) field(name string) (jvalue, bool) {
	o.read[name] = true
	i := slices.Index(o.names, name)
	if i < 0 || o.fields[i].kind() == "null" {
		return jvalue{}, false
	}
	return o.fields[i], true
}

// str returns a scalar field as text ("" when absent or null).
func (o *jobject) str(name string) string {
	v, ok := o.field(name)
	if !ok || o.err() != nil {
		return ""
	}
	s, err := v.text()
	o.fail(err)
	return s
}

// flag returns a boolean field, nil when absent or null.
func (o *jobject) flag(name string) *bool {
	v, ok := o.field(name)
	if !ok || o.err() != nil {
		return nil
	}
	b, err := strconv.ParseBool(string(bytes.TrimSpace(v.raw)))
	if v.kind() != "boolean" || err != nil {
		o.fail(v.errorf("want true or false, found a %s", v.kind()))
		return nil
	}
	return &b
}

// obj returns an object field; nil when absent or null.
func (o *jobject) obj(name string) *jobject {
	v, ok := o.field(name)
	if !ok || o.err() != nil {
		return nil
	}
	sub, err := v.object()
	o.fail(err)
	if err != nil {
		return nil
	}
	sub.errp = o.errp
	return sub
}

// list returns the elements of an array field; nil when absent or null.
func (o *jobject) list(name string) []jvalue {
	v, ok := o.field(name)
	if !ok || o.err() != nil {
		return nil
	}
	items, err := v.items()
	o.fail(err)
	return items
}

// objects returns the elements of an array field of objects.
func (o *jobject) objects(name string) []*jobject {
	var out []*jobject
	for _, v := range o.list(name) {
		sub, err := v.object()
		if o.fail(err); err != nil {
			return nil
		}
		sub.errp = o.errp
		out = append(out, sub)
	}
	return out
}

func (o *jobject) fail(err error) {
	if err != nil && *o.errp == nil {
		*o.errp = err
	}
}

// unread lists the fields never taken, as paths relative to the resource
// (prefix + name), and those of the sub-objects taken through obj and
// objects are added by their readers.
func (o *jobject) unread(prefix string) []string {
	var out []string
	for _, n := range o.names {
		if !o.read[n] {
			out = append(out, prefix+n)
		}
	}
	return out
}
