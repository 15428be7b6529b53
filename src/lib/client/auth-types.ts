import { z } from 'zod';
import { sessionUserSchema } from '../domain/user';

export const loginResponseSchemaClient = z.object({ user: sessionUserSchema, sync_path: z.string().nullable() });
export type LoginResult = z.infer<typeof loginResponseSchemaClient>;
