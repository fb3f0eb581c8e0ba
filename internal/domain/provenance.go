package domain

// Provenance of the Solos and r_keeper entities (SynergyCRM's is on SynergyRecord).

// Provenance says where the Project came from.
func (x *Project) Provenance() *Provenance { return x.provenance(BackendSolos, x.SourceID) }

// Provenance says where the ProjectStep came from.
func (x *ProjectStep) Provenance() *Provenance { return x.provenance(BackendSolos, x.SourceID) }

// Provenance says where the ProjectAction came from.
func (x *ProjectAction) Provenance() *Provenance { return x.provenance(BackendSolos, x.SourceID) }

// Provenance says where the ProjectChecklist came from.
func (x *ProjectChecklist) Provenance() *Provenance { return x.provenance(BackendSolos, x.SourceID) }

// Provenance says where the ProjectChecklistItem came from.
func (x *ProjectChecklistItem) Provenance() *Provenance {
	return x.provenance(BackendSolos, x.SourceID)
}

// Provenance says where the ProjectGood came from.
func (x *ProjectGood) Provenance() *Provenance { return x.provenance(BackendSolos, x.SourceID) }

// Provenance says where the ProjectPayment came from.
func (x *ProjectPayment) Provenance() *Provenance { return x.provenance(BackendSolos, x.SourceID) }

// Provenance says where the Client came from.
func (x *Client) Provenance() *Provenance { return x.provenance(BackendRKeeper, x.SourceID) }

// Provenance says where the ClientContact came from.
func (x *ClientContact) Provenance() *Provenance { return x.provenance(BackendRKeeper, x.SourceID) }

// Provenance says where the ClientAddress came from.
func (x *ClientAddress) Provenance() *Provenance { return x.provenance(BackendRKeeper, x.SourceID) }

// Provenance says where the ClientContactType came from.
func (x *ClientContactType) Provenance() *Provenance { return x.provenance(BackendRKeeper, x.SourceID) }

// Provenance says where the AddressType came from.
func (x *AddressType) Provenance() *Provenance { return x.provenance(BackendRKeeper, x.SourceID) }

// Provenance says where the Country came from.
func (x *Country) Provenance() *Provenance { return x.provenance(BackendRKeeper, x.SourceID) }

// Provenance says where the City came from.
func (x *City) Provenance() *Provenance { return x.provenance(BackendRKeeper, x.SourceID) }

// Provenance says where the MetroStation came from.
func (x *MetroStation) Provenance() *Provenance { return x.provenance(BackendRKeeper, x.SourceID) }

// Provenance says where the Street came from.
func (x *Street) Provenance() *Provenance { return x.provenance(BackendRKeeper, x.SourceID) }

// Provenance says where the ClientAccount came from.
func (x *ClientAccount) Provenance() *Provenance { return x.provenance(BackendRKeeper, x.SourceID()) }

// Provenance says where the ClientCard came from.
func (x *ClientCard) Provenance() *Provenance { return x.provenance(BackendRKeeper, x.SourceID()) }
