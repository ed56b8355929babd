import type { SessionUser } from '$lib/server/auth/types.ts';

declare global {
  namespace App {
    interface Locals {
      /** The signed-in user, or the anonymous viewer when read-only access is open; null otherwise. */
      user: SessionUser | null;
    }
    interface Error {
      message: string;
      code?: string;
    }
  }
}

export {};
