#!/usr/bin/perl
# Doxygen's INPUT_FILTER for minidl's headers (docs/Doxyfile): it reads one header and prints it
# with its plain `//` comments turned into documentation, so that the comments the headers already
# have become the API reference without the headers being written for Doxygen.
#
#  - The block of `//` lines right after `#pragma once` describes the file: it becomes `/// \file`.
#  - A block of `//` lines directly above a declaration (the next line is code, not a blank line,
#    a closing brace, an access specifier or a preprocessor line other than #define) becomes `///`.
#  - A trailing `// comment` after a member or enumerator (`int x = 1;  // ...`) becomes `///<`.
#  - Lines indented by three spaces or more after `//` are code examples: `\code` ... `\endcode`.
#  - A specialization of fmt's or std's templates (fmt::formatter<Tensor>) is left out.
#
# The comments are plain text, not Doxygen markup, so their special characters (\ @ < > & $ # %)
# are escaped outside `backtick` spans. A comment already written for Doxygen (`///`, `//!`,
# `/** */`) is left as it is and checked as Doxygen markup. The line count never changes, so
# warnings point at the header's own lines.
use strict;
use warnings;

sub escape_text {
  my ($text) = @_;
  my @parts = split /(`[^`]*`)/, $text;
  for my $part (@parts) {
    next if $part =~ /^`.*`$/s;
    $part =~ s/([\\@<>&\$#%])/\\$1/g;
  }
  return join '', @parts;
}

sub is_plain_comment { return $_[0] =~ m{^\s*//(?![/!])}; }

# Converts a block of plain comment lines; $file_block adds \file to its first line.
sub convert_block {
  my ($lines, $file_block) = @_;
  my @out;
  my $in_code = 0;
  for my $i (0 .. $#$lines) {
    my ($indent, $text) = $lines->[$i] =~ m{^(\s*)//(.*)$};
    my $code = $text =~ /^ {3,}\S/;
    my $prefix = $indent . '///';
    $prefix .= " \\file $ARGV" if $file_block && $i == 0;
    my $line;
    if ($code) {
      $line = $prefix . ($in_code ? '' : ' \code{.cpp}') . ' ' . substr($text, 3);
      $in_code = 1;
    } else {
      $line = $prefix . ($in_code ? ' \endcode' : '') . escape_text($text);
      $in_code = 0;
    }
    $line .= ' \endcode' if $in_code && $i == $#$lines;
    push @out, $line;
  }
  return @out;
}

my @lines = <>;
chomp @lines;
my @out;
my $after_pragma = 0;
my $in_foreign = 0;
my $i = 0;
while ($i < @lines) {
  my $line = $lines[$i];
  if (is_plain_comment($line)) {
    my $start = $i;
    $i++ while $i < @lines && is_plain_comment($lines[$i]);
    my @block = @lines[$start .. $i - 1];
    my $next = $i < @lines ? $lines[$i] : '';
    if ($after_pragma) {
      push @out, convert_block(\@block, 1);
    } elsif ($next =~ /\S/ && $next !~ /^\s*(?:\}|#(?!\s*define\b)|(?:public|private|protected)\s*:)/) {
      push @out, convert_block(\@block, 0);
    } else {
      push @out, @block;
    }
    $after_pragma = 0;
    next;
  }
  $after_pragma = $line =~ /^\s*#\s*pragma\s+once\b/;
  # A specialization of another library's template (fmt::formatter, std::hash) is left out: Doxygen
  # cannot place it without that library's headers.
  if ($line =~ /^template\s*<>\s*$/ && $i + 1 < @lines && $lines[$i + 1] =~ /^(?:struct|class)\s+(?:fmt|std)::/) {
    $line = '/** \cond */ ' . $line;
    $in_foreign = 1;
  } elsif ($in_foreign && $line =~ /^\};/) {
    $line .= ' /** \endcond */';
    $in_foreign = 0;
  }
  # A trailing comment after a member or an enumerator documents it.
  if ($line !~ /"/ && $line =~ m{^(\s*\S.*?[;,])(\s+)//(?![/!])(.*)$}) {
    $line = $1 . $2 . '///<' . escape_text($3);
  }
  push @out, $line;
  $i++;
}
print "$_\n" for @out;
