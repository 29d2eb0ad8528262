import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../common/api-docs';
import { LessonDto, ScenarioRunDto, StartScenarioDto } from './dto/scenario.dto';
import { ScenariosService } from './scenarios.service';

@ApiTags('scenarios')
@ApiBearerAuth('api-token')
@Controller('scenarios')
export class ScenariosController {
  constructor(private readonly scenarios: ScenariosService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Play a scenario on the server (a file, or a lesson kubesim ships)',
    description:
      'Answers at once with the run; it then plays against this server as `kubesim scenario run` would, its steps as `ScenarioStep` events on `GET /events/stream` and a `ScenarioPassed` or `ScenarioFailed` event at the end. A malformed file is a 400 naming the line and the field at fault. At most 3 play at once (409).',
  })
  @ApiBody({
    type: StartScenarioDto,
    examples: {
      lesson: { summary: 'a shipped lesson', value: { lesson: 'lose-a-node' } },
      file: {
        summary: 'a scenario of your own',
        value: {
          scenario:
            'apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: one-node}\nsteps:\n  - addNodes: {count: 1, cpu: 2, prefix: demo}\n  - expect: {nodes: {name: demo-1, status: healthy}}\n    within: 30s\n',
          seed: 7,
        },
      },
    },
  })
  @ApiAcceptedResponse({ type: ScenarioRunDto })
  @ApiErrors(400, 401, 404, 409)
  start(@Body() body: StartScenarioDto): Promise<ScenarioRunDto> {
    return this.scenarios.start(body);
  }

  @Get()
  @ApiOperation({ summary: 'The scenario runs kept (the last 20), newest first' })
  @ApiOkResponse({ type: [ScenarioRunDto] })
  @ApiErrors(401)
  list(): ScenarioRunDto[] {
    return this.scenarios.list();
  }

  @Get('lessons')
  @ApiOperation({ summary: 'The lessons kubesim ships (examples/scenarios), to play by name' })
  @ApiOkResponse({ type: [LessonDto] })
  @ApiErrors(401)
  lessons(): Promise<LessonDto[]> {
    return this.scenarios.lessons();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One run: its status and every step played so far' })
  @ApiOkResponse({ type: ScenarioRunDto })
  @ApiErrors(401, 404)
  get(@Param('id') id: string): ScenarioRunDto {
    return this.scenarios.get(id);
  }
}
