package domain

// The common model's views over each backend's entities (see common.go).

import "github.com/crmgateway/gateway/internal/scalar"

// Provenance implements the Node's provenance for every SynergyCRM entity.
func (r *SynergyRecord) Provenance() *Provenance { return r.provenance(BackendSynergy, r.SourceID) }

// IsPerson marks a SynergyCRM contact as a Person.
func (*Contact) IsPerson() {}

// DisplayName is the contact's name parts (first, middle, last), else its
// first e-mail, else its first phone, else its SynergyCRM id.
func (c *Contact) DisplayName() string {
	if n := JoinName(c.FirstName, c.MiddleName, c.LastName); n != nil {
		return *n
	}
	return fallbackName(c.Emails(), c.Phones(), c.SourceID)
}

// Phones are the contact's phone numbers that are set, main first.
func (c *Contact) Phones() []*Phone {
	return synergyPhones(c.GeneralPhone, c.MobilePhone, c.WorkPhone, c.WorkPhonePostfix, c.OtherPhone, c.OtherPhonePostfix, c.Fax)
}

// Emails are the contact's e-mail addresses that are set, main first.
func (c *Contact) Emails() []*Email { return synergyEmails(c.Email, c.OtherEmail) }

// synergyPhones lists the phone attributes SynergyCRM contacts and
// companies share, the ones that are set, main first.
func synergyPhones(general, mobile, work, workPostfix, other, otherPostfix, fax *string) []*Phone {
	out := make([]*Phone, 0, 5)
	out = phoneOf(out, general, nil, PhoneMain)
	out = phoneOf(out, mobile, nil, PhoneMobile)
	out = phoneOf(out, work, workPostfix, PhoneWork)
	out = phoneOf(out, other, otherPostfix, PhoneOther)
	return phoneOf(out, fax, nil, PhoneFax)
}

// synergyEmails lists the e-mail attributes SynergyCRM contacts and
// companies share, the ones that are set, main first.
func synergyEmails(main, other *string) []*Email {
	out := make([]*Email, 0, 2)
	out = emailOf(out, main, EmailMain)
	return emailOf(out, other, EmailOther)
}

// IsOrganization marks a SynergyCRM company as an Organization.
func (*Company) IsOrganization() {}

// Phones are the company's phone numbers that are set, main first.
func (c *Company) Phones() []*Phone {
	return synergyPhones(c.GeneralPhone, c.MobilePhone, c.WorkPhone, c.WorkPhonePostfix, c.OtherPhone, c.OtherPhonePostfix, c.Fax)
}

// Emails are the company's e-mail addresses that are set, main first.
func (c *Company) Emails() []*Email { return synergyEmails(c.Email, c.OtherEmail) }

// IsOpportunity marks a SynergyCRM deal as an Opportunity.
func (*Deal) IsOpportunity() {}

// Title is the deal's name.
func (d *Deal) Title() *string { return d.Name }

// Value is the deal's amount; SynergyCRM names no currency.
func (d *Deal) Value() *Money { return moneyOf(d.Amount, nil) }

// IsOpportunity marks a SynergyCRM order as an Opportunity.
func (*Order) IsOpportunity() {}

// Title is the order's name.
func (o *Order) Title() *string { return o.Name }

// Value is the order's amount; SynergyCRM names no currency.
func (o *Order) Value() *Money { return moneyOf(o.Amount, nil) }

// IsOpportunity marks a Solos project as an Opportunity.
func (*Project) IsOpportunity() {}

// Title is the project's name.
func (p *Project) Title() *string { return p.Name }

// Value is the project's price. Solos gives the currency only as the id of
// a currency it cannot read, so no ISO code is known.
func (p *Project) Value() *Money { return moneyOf(p.Price, nil) }

// IsPerson marks an r_keeper delivery client as a Person.
func (*Client) IsPerson() {}

// DisplayName is the client's name parts (first, middle, last), else its
// first contact's value, else its r_keeper id.
func (c *Client) DisplayName() string {
	if n := JoinName(c.FirstName, c.MiddleName, c.LastName); n != nil {
		return *n
	}
	for _, x := range c.Contacts {
		if x.Value != "" {
			return x.Value
		}
	}
	return c.SourceID
}

func moneyOf(amount *scalar.Decimal, currency *string) *Money {
	if amount == nil {
		return nil
	}
	return &Money{Amount: *amount, Currency: currency}
}

func fallbackName(emails []*Email, phones []*Phone, id string) string {
	if len(emails) > 0 {
		return emails[0].Address
	}
	if len(phones) > 0 {
		return phones[0].Number
	}
	return id
}
