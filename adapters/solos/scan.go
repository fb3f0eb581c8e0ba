package solos

// The Solos decoder's names for the shared validating scanner's types
// (internal/jsonscan).

import "github.com/crmgateway/gateway/internal/jsonscan"

// text is what the scanner reads: a body or a record cut from one.
type text = jsonscan.Text

// span locates one member of an object; Mark is set on the members a
// record keeps verbatim.
type span = jsonscan.Member
