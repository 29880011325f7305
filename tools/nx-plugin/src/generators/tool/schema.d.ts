export interface ToolGeneratorSchema {
  name: string;
  project: string;
}
