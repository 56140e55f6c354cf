import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';

/** Generation parameters shared by POST /chat and POST /v1/chat/completions. */
export class SamplingOptionsDto {
  /** Sampling temperature; the model's default when omitted. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  temperature?: number;

  /** Nucleus sampling; the model's default when omitted. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  top_p?: number;

  /** Cap on completion tokens; the model's default when omitted. Reserved against the token limits. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(131_072)
  max_tokens?: number;

  /** A stop sequence or up to 4 of them. */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @ArrayMaxSize(4)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @ApiProperty({
    // `type` keeps the built app's schema equal to the one tests see (the plugin sets it otherwise).
    type: Array,
    required: false,
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 4 }],
  })
  stop?: string[];
}
