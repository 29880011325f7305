export interface ServiceGeneratorSchema {
  name: string;
  auth?: 'none' | 'jwt';
  database?: 'none' | 'postgres';
  target?: 'kubernetes' | 'lambda' | 'both';
  port?: number;
  skipInstall?: boolean;
}
