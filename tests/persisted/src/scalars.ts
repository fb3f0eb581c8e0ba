// Compile-time proof of the README's scalar mapping (codegen.yml's
// `scalars`): the generated types read each custom scalar as its wire
// form, so `tsc` fails if a mapping is lost and a scalar comes out as
// `unknown` again.
import type { ProjectsWithScalarsQuery } from '../gen/graphql.js';

type Project = NonNullable<ProjectsWithScalarsQuery['projects']>['nodes'][number];
type Contract = NonNullable<ProjectsWithScalarsQuery['contracts']>['nodes'][number];

// Each line fails to compile unless the field's type is exactly the one
// named (a JSON string for the date, time and decimal scalars).
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const localDateTimeIsString: Exactly<Project['createdAt'], string | null> = true;
export const decimalIsString: Exactly<Project['price'], string | null> = true;
export const dateIsString: Exactly<Project['contractDate'], string | null> = true;
export const dateTimeIsString: Exactly<Contract['createdAt'], string | null> = true;
export const jsonIsUnknown: Exactly<Project['extra'], unknown> = true;
