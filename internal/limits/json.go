package limits

import "github.com/crmgateway/gateway/internal/jsonscan"

// jsonShape reads a JSON value (variables, extensions) for its nesting
// depth and its number of values (array elements, object member values and
// the value itself), stopping as soon as either passes its bound, or where
// the value ends: the check costs one pass over the bytes and no
// allocation, where decoding costs an allocation per value. Strings are
// skipped; the text is not validated.
func jsonShape(b []byte, maxDepth, maxValues int) (depth, values int) {
	var stack []byte // '{' or '[' per open container, up to maxDepth
	needValue, inKey := true, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			if !inKey {
				values++
			}
			needValue = false
			end, _, _, _ := jsonscan.StringEnd(b, i)
			i = end - 1
		case '{', '[':
			values++
			if len(stack) >= maxDepth {
				return len(stack) + 1, values
			}
			stack = append(stack, c)
			depth = max(depth, len(stack))
			needValue, inKey = c == '[', c == '{'
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if len(stack) == 0 {
				return depth, values // the end of the text's value: what follows is not its
			}
			needValue, inKey = false, false
		case ',':
			inObject := len(stack) > 0 && stack[len(stack)-1] == '{'
			needValue, inKey = !inObject, inObject
		case ':':
			needValue, inKey = true, false
		default: // a number or a literal: count it once, at its first byte
			if needValue {
				values++
				needValue = false
			}
		}
		if values > maxValues {
			return depth, values
		}
	}
	return depth, values
}
