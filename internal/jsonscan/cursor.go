package jsonscan

import "unicode/utf8"

// Str is a JSON string as it stands in the text: its contents when they
// decode to themselves, else (Raw) the quoted literal for Unquote. A
// number literal read as an id is a Str too.
type Str struct {
	S   []byte
	Raw bool
	// Wide says S may hold bytes beyond ASCII; when false it holds none.
	Wide bool
}

// String is s as encoding/json decodes it.
func (s Str) String() string {
	if s.Raw {
		return Decode(s.S) // checked by the scan
	}
	return string(s.S)
}

// Cursor reads a body in one pass for a decoder that descends into the
// members it needs and skips the rest: Object and Array call back with the
// cursor at each member's value or element, which the callback must read
// (with Value to skip it). Depth counts the arrays and objects open, so
// the nesting limit holds across the decoder's own descents.
type Cursor struct {
	B     []byte
	I     int
	Depth int
}

// Fail is a syntax error at the cursor.
func (c *Cursor) Fail(msg string) error { return &SyntaxError{Msg: msg, Offset: c.I} }

// Space skips white space.
func (c *Cursor) Space() { c.I = SkipSpace(c.B, c.I) }

// Peek skips white space and gives the next byte, 0 at the end.
func (c *Cursor) Peek() byte {
	c.I = SkipSpace(c.B, c.I)
	if c.I < len(c.B) {
		return c.B[c.I]
	}
	return 0
}

// Object reads the object at the cursor, calling member for each member
// with the cursor at its value.
func (c *Cursor) Object(member func(key Str) error) error {
	if c.Depth++; c.Depth > MaxDepth {
		return tooDeep(c.I)
	}
	c.I++
	if c.Peek() == '}' {
		c.I++
		c.Depth--
		return nil
	}
	for {
		if c.Peek() != '"' {
			return errAt(c.B, c.I, "looking for beginning of object key string")
		}
		key, err := c.Str()
		if err != nil {
			return err
		}
		if c.Peek() != ':' {
			return errAt(c.B, c.I, "after object key")
		}
		c.I++
		c.Space()
		if err := member(key); err != nil {
			return err
		}
		switch c.Peek() {
		case ',':
			c.I++
		case '}':
			c.I++
			c.Depth--
			return nil
		default:
			return errAt(c.B, c.I, "after object key:value pair")
		}
	}
}

// Array reads the array at the cursor, calling elem with the cursor at
// each element.
func (c *Cursor) Array(elem func() error) error {
	if c.Depth++; c.Depth > MaxDepth {
		return tooDeep(c.I)
	}
	c.I++
	if c.Peek() == ']' {
		c.I++
		c.Depth--
		return nil
	}
	for {
		c.Space()
		if err := elem(); err != nil {
			return err
		}
		switch c.Peek() {
		case ',':
			c.I++
		case ']':
			c.I++
			c.Depth--
			return nil
		default:
			return errAt(c.B, c.I, "after array element")
		}
	}
}

// Value reads (checks and skips) any value.
func (c *Cursor) Value() error {
	c.Space()
	end, err := ValueEnd(c.B, c.I, c.Depth)
	c.I = end
	return err
}

// SkipValue reads a value and gives its bytes, capped so that appending
// to them never writes into the body.
func (c *Cursor) SkipValue() ([]byte, error) {
	c.Space()
	start := c.I
	err := c.Value()
	return c.B[start:c.I:c.I], err
}

// Lit reads the literal lit (true, false or null).
func (c *Cursor) Lit(lit string) error {
	end, err := LiteralEnd(c.B, c.I, lit)
	c.I = end
	return err
}

// Number reads a number.
func (c *Cursor) Number() error {
	end, err := NumberEnd(c.B, c.I)
	c.I = end
	return err
}

// Str reads the string at the cursor.
func (c *Cursor) Str() (Str, error) {
	start := c.I
	if end := shortEnd(c.B, start); end > 0 {
		c.I = end
		return Str{S: c.B[start+1 : end-1]}, nil
	}
	end, esc, wide, err := StringEnd(c.B, start)
	c.I = end
	if err != nil {
		return Str{}, err
	}
	s := c.B[start+1 : end-1]
	if esc || wide && !utf8.Valid(s) {
		return Str{S: c.B[start:end], Raw: true, Wide: wide}, nil
	}
	return Str{S: s, Wide: wide}, nil
}
