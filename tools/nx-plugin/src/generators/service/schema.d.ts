export interface ServiceGeneratorSchema {
  name: string;
  auth?: 'none' | 'jwt';
  database?: 'none' | 'postgres';
  port?: number;
  skipInstall?: boolean;
}
