import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** POST /scenarios: a scenario's YAML, or the name of a lesson kubesim ships. */
export class StartScenarioDto {
  @ApiPropertyOptional({
    description:
      'the scenario file (YAML, `apiVersion: kubesim.io/v1alpha1`, `kind: Scenario`), as `kubesim scenario run` takes it',
    example:
      'apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: one-node}\nsteps:\n  - addNodes: {count: 1, cpu: 2, prefix: demo}\n  - expect: {nodes: {name: demo-1, status: healthy}}\n    within: 30s\n',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024 * 1024)
  scenario?: string;

  @ApiPropertyOptional({
    description: 'a lesson of `GET /scenarios/lessons` instead of a file',
    example: 'lose-a-node',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    message: 'lesson must be a lesson name such as lose-a-node',
  })
  lesson?: string;

  @ApiPropertyOptional({
    description: 'seed of the jitter, to replay a run exactly (unset: a fresh one)',
    example: 7,
    minimum: 0,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2 ** 31 - 1)
  seed?: number;
}

export class ScenarioStepDto {
  @ApiProperty({ example: 3, description: "the step's place in `steps`, from 1" }) step: number;
  @ApiProperty({ example: 12, description: 'its line in the file' }) line: number;
  @ApiProperty({ example: 1, description: 'which repeat of a step with `every`/`times`' })
  repeat: number;
  @ApiProperty({ example: 'expect' }) kind: string;
  @ApiProperty({ example: 'pods web-* running count 3 not on worker-1' }) what: string;
  @ApiProperty({ enum: ['done', 'held', 'failed'], example: 'held' }) result: string;
  @ApiProperty({ example: 8000, description: 'when it was due, ms from the start' })
  due_ms: number;
  @ApiProperty({ example: 8012, description: 'when it began, ms from the start' })
  started_ms: number;
  @ApiProperty({ example: 2300 }) took_ms: number;
  @ApiPropertyOptional({ example: '3 of 3 matching (…)', description: 'what an expect saw' })
  seen?: string;
  @ApiPropertyOptional({ description: 'why a step other than expect failed' })
  error?: string;
}

export class ScenarioRunDto {
  @ApiProperty({ example: '3f9c2a1b' }) id: string;
  @ApiProperty({ example: 'lose-a-node' }) name: string;
  @ApiProperty({ example: 7 }) seed: number;
  @ApiProperty({ enum: ['running', 'passed', 'failed', 'stopped'], example: 'running' })
  status: string;
  @ApiProperty({ example: '2026-12-02T12:00:00.000Z' }) started_at: string;
  @ApiProperty({ nullable: true, type: String, example: null }) finished_at: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'the failure in one sentence: the step, what was expected, what was seen',
  })
  message: string | null;
  @ApiProperty({ type: [ScenarioStepDto] }) steps: ScenarioStepDto[];
}

export class LessonDto {
  @ApiProperty({ example: 'lose-a-node' }) name: string;
  @ApiProperty({ example: 'Node failure and rescheduling: three pods live on worker-1; …' })
  description: string;
}
