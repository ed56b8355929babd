export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What the rest of the console knows about the person behind a request. */
export interface SessionUser {
  name: string;
  role: Role;
  /** True for the anonymous read-only viewer (WEB_PUBLIC_READONLY on localhost). */
  anonymous: boolean;
}
