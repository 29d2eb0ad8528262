/** The injection token of the database's connection string (for the connections kubesim opens itself). */
export const DATABASE_URL = Symbol('DATABASE_URL');
